import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { COMPONENTS, CONSUMER, filesUnder, PACKAGE_NAME, readJson, ROOT } from "./fixtures/libraryPackage";

// The package's and the consumer's manifests against the root's, without building anything: the quick half
// of the packaging checks (packed-consumer.test.ts, `npm run test:library`, is the slow half).

describe("the components as a package: its manifest and the consumer's", () => {
  const root = readJson(path.join(ROOT, "package.json"));
  const library = readJson(path.join(COMPONENTS, "package.json"));
  const consumer = readJson(path.join(CONSUMER, "package.json"));

  it("takes its version and its dependencies' pinned versions from the root package.json; the @pulumi peers are at least the root's", () => {
    assert.equal(library.name, PACKAGE_NAME);
    assert.equal(library.version, root.version);
    for (const [name, version] of Object.entries(library.dependencies ?? {})) assert.equal(version, root.dependencies?.[name], `dependency ${name}`);
    for (const [name, range] of Object.entries(library.peerDependencies ?? {})) {
      assert.match(name, /^@pulumi\//, `peer ${name}: only the Pulumi SDKs are peers, one copy shared with the program`);
      assert.equal(range, `^${root.dependencies?.[name]}`, `peer ${name}`);
    }
  });

  it("points main, types and exports at the build, and ships the build alone", () => {
    assert.deepEqual({ main: library.main, types: library.types, files: library.files }, { main: "./dist/index.js", types: "./dist/index.d.ts", files: ["dist"] });
    assert.deepEqual(library.exports["."], { types: "./dist/index.d.ts", default: "./dist/index.js" });
  });

  it("is what examples/consumer depends on, by name, next to the same pinned @pulumi SDKs and TypeScript as this repository", () => {
    assert.equal(consumer.dependencies?.[PACKAGE_NAME], library.version);
    for (const name of Object.keys(library.peerDependencies ?? {})) assert.equal(consumer.dependencies?.[name], root.dependencies?.[name], `consumer dependency ${name}`);
    for (const name of ["typescript", "@types/node"]) assert.equal(consumer.devDependencies?.[name], root.devDependencies?.[name], `consumer devDependency ${name}`);
  });

  it("has a consumer lockfile that pins only what the root lockfile pins, and the package's current dependencies", () => {
    // So the install below is served by the npm cache that the root's `npm ci` filled, and stays in step.
    const rootLocked = new Set(Object.entries(readJson(path.join(ROOT, "package-lock.json")).packages).map(([key, node]: [string, any]) => `${key.split("node_modules/").pop()}@${node.version} ${node.integrity}`));
    const locked = readJson(path.join(CONSUMER, "package-lock.json")).packages as Record<string, any>;
    const strays = Object.entries(locked)
      .filter(([key]) => key.startsWith("node_modules/") && key !== `node_modules/${PACKAGE_NAME}`)
      .map(([key, node]) => `${key.split("node_modules/").pop()}@${node.version} ${node.integrity}`)
      .filter((entry) => !rootLocked.has(entry));
    assert.deepEqual(strays, [], "examples/consumer/package-lock.json pins packages the root package-lock.json does not (docs/library.md: regenerating it)");
    const node = locked[`node_modules/${PACKAGE_NAME}`];
    assert.deepEqual(
      { version: node.version, dependencies: node.dependencies, peerDependencies: node.peerDependencies },
      { version: library.version, dependencies: library.dependencies, peerDependencies: library.peerDependencies },
      "examples/consumer/package-lock.json's entry for the package is out of step with components/package.json (docs/library.md: regenerating it)",
    );
  });

  it("is imported inside this repository by file, never as the directory (which resolves to the build)", () => {
    const offenders = ["index.ts", ...filesUnder(path.join(ROOT, "scripts")).map((file) => path.join("scripts", file))]
      .filter((file) => file.endsWith(".ts"))
      .filter((file) => /from "(\.\.?\/)+components"/.test(fs.readFileSync(path.join(ROOT, file), "utf8")));
    assert.deepEqual(offenders, []);
  });
});


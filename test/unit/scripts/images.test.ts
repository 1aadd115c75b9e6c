import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLATFORM_IMAGES, imageReference } from "../../../components/images";
import { dockerfileImages, pinProblem, pinnedImages } from "../../../scripts/images";
import { SERVICE_DOCKERFILE } from "../../../scripts/lint-dockerfile";
import { runScript } from "../../support/commands";

const PINNED_LINE = /^[a-z0-9][a-z0-9./_-]*(:[0-9]+)?(\/[a-z0-9./_-]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]*@sha256:[a-f0-9]{64}$/;

describe("npm run images (scripts/images.ts)", () => {
  it("reads app/Dockerfile's frontend and base image, both pinned as name:tag@sha256:<64 hex>", () => {
    const images = dockerfileImages(fs.readFileSync(SERVICE_DOCKERFILE, "utf8"), "app/Dockerfile");
    assert.deepEqual(
      images.map(({ where }) => where),
      ["app/Dockerfile:1", "app/Dockerfile:6 (NODE_IMAGE)"],
    );
    assert.match(images[0].reference, /^docker\/dockerfile:1\.7@sha256:/);
    assert.match(images[1].reference, /^node:24\.21\.0-bookworm-slim@sha256:/);
    for (const { reference } of images) assert.match(reference, PINNED_LINE);
  });

  it("lists every platform image then the Dockerfile's, each pinned by tag and digest", () => {
    const { references, problems } = pinnedImages(dockerfileImages(fs.readFileSync(SERVICE_DOCKERFILE, "utf8"), "app/Dockerfile"));
    assert.deepEqual(references.slice(0, Object.keys(PLATFORM_IMAGES).length), Object.values(PLATFORM_IMAGES).map(imageReference));
    assert.equal(references.length, Object.keys(PLATFORM_IMAGES).length + 2);
    assert.deepEqual(problems, []);
    for (const reference of references) assert.equal(PINNED_LINE.test(reference), pinProblem(reference) === undefined, reference);
  });

  it("names what a reference lacks: its tag, its digest, or both (a registry's port is no tag; a malformed digest is none)", () => {
    assert.equal(pinProblem(`node:24@sha256:${"a".repeat(64)}`), undefined);
    assert.equal(pinProblem("node:24"), "'node:24' has no digest");
    assert.equal(pinProblem(`host:5000/app@sha256:${"a".repeat(64)}`), `'host:5000/app@sha256:${"a".repeat(64)}' has no tag`);
    assert.equal(pinProblem("host:5000/app"), "'host:5000/app' has no tag and no digest");
    assert.equal(pinProblem("node:24@sha256:abc"), "'node:24@sha256:abc' has no digest");
  });

  it("reads FROM lines that name an image, not a stage or a variable", () => {
    const text = ["FROM golang:1.25 AS build", "FROM build AS test", "ARG BASE=debian:13", "FROM ${BASE}", "FROM --platform=linux/amd64 alpine:3.22"].join("\n");
    assert.deepEqual(
      dockerfileImages(text, "D").map(({ where, reference }) => `${where} ${reference}`),
      ["D:1 golang:1.25", "D:3 (BASE) debian:13", "D:5 alpine:3.22"],
    );
    assert.deepEqual(dockerfileImages("ARG BASE\nFROM $BASE", "D"), [{ where: "D:2", reference: "$BASE" }]);
  });

  it("as a command: prints the list and exits 0 when all are pinned, else exits 1 naming each one, printing nothing", () => {
    const { references, problems } = pinnedImages(dockerfileImages(fs.readFileSync(SERVICE_DOCKERFILE, "utf8"), "app/Dockerfile"));
    const run = runScript("images", []);
    if (problems.length === 0) {
      assert.deepEqual([run.status, run.stdout, run.stderr], [0, `${references.join("\n")}\n`, ""]);
    } else {
      assert.deepEqual([run.status, run.stdout], [1, ""]);
      assert.equal(run.stderr, `images: every image must read name:tag@sha256:<64 hex>; ${problems.length} do not:\n${problems.map((problem) => `  ${problem}\n`).join("")}`);
    }
  });

  it("as a command: refuses a Dockerfile whose base image is a bare tag, naming the file, line and reference", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "images-"));
    try {
      const file = path.join(dir, "Dockerfile");
      fs.writeFileSync(file, `# syntax=docker/dockerfile:1.7@sha256:${"b".repeat(64)}\nARG NODE_IMAGE=node:24.21.0-bookworm-slim\nFROM \${NODE_IMAGE}\n`);
      const run = runScript("images", ["--dockerfile", file]);
      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.ok(run.stderr.includes(`  ${file}:2 (NODE_IMAGE): 'node:24.21.0-bookworm-slim' has no digest\n`), run.stderr);
      assert.ok(!run.stderr.includes(`${file}:1`), run.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("as a command: refuses a Dockerfile that does not exist", () => {
    const run = runScript("images", ["--dockerfile", "no/such/Dockerfile"]);
    assert.deepEqual([run.status, run.stderr], [1, "images: no Dockerfile at no/such/Dockerfile\n"]);
  });
});

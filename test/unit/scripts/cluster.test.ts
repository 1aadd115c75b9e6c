import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { clusterDown, type ClusterPaths } from "../../../scripts/lib/localCluster";

describe("npm run cluster -- down says why when it cannot take a cluster down", () => {
  let root: string;
  let paths: ClusterPaths;
  let lines: string[];
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-down-"));
    paths = { repoRoot: root, dir: path.join(root, ".cluster"), kubeconfig: path.join(root, ".cluster", "kubeconfig"), bin: path.join(root, "cache", "bin") };
    lines = [];
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const down = () => clusterDown(paths, (line) => lines.push(line));

  it("with nothing built and no cluster: says there is nothing to take down, and why", () => {
    down();
    assert.deepEqual(lines, [
      `cluster: nothing to take down: no local cluster was created here (no .cluster/), and kwokctl is not built (${paths.bin}; \`npm run cluster -- up\` builds it)`,
    ]);
  });

  it("with kwokctl built but no cluster: says there is nothing to take down, without running kwokctl", () => {
    fs.mkdirSync(paths.bin, { recursive: true });
    fs.writeFileSync(path.join(paths.bin, "kwokctl"), `#!/bin/sh\ntouch "${path.join(root, "ran")}"\n`, { mode: 0o755 });
    down();
    assert.deepEqual(lines, ["cluster: nothing to take down: no local cluster was created here (no .cluster/)"]);
    assert.ok(!fs.existsSync(path.join(root, "ran")));
  });

  it("with a cluster directory but no kwokctl: fails naming the missing binary and the command that builds it", () => {
    fs.mkdirSync(paths.dir);
    assert.throws(down, /^Error: \.cluster\/ holds a local cluster, but kwokctl, which stops it, is not built in .*cache\/bin: run `bash toolchain\/local-cluster\/install.sh`/);
  });

  it("with a kwokctl that fails silently: the error still says how it failed", () => {
    fs.mkdirSync(paths.dir);
    fs.mkdirSync(paths.bin, { recursive: true });
    fs.writeFileSync(path.join(paths.bin, "kwokctl"), "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    assert.throws(down, /^Error: kwokctl delete cluster failed: exit 3, no output$/);
    // A directory where the binary should be: the spawn itself fails, with no output from any program.
    fs.rmSync(path.join(paths.bin, "kwokctl"));
    fs.mkdirSync(path.join(paths.bin, "kwokctl"));
    assert.throws(down, /^Error: kwokctl delete cluster failed: could not run .*kwokctl: spawnSync .*kwokctl EACCES$/);
  });
});

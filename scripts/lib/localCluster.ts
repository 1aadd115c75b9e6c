import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// The client is an ES module and this project compiles to CommonJS: types come from a type-only import,
// values from one dynamic import.
import type * as k8s from "@kubernetes/client-node" with { "resolution-mode": "import" };

export async function kubeClient(): Promise<typeof k8s> {
  return import("@kubernetes/client-node");
}

/**
 * The local cluster: a real kube-apiserver, kube-controller-manager, kube-scheduler and etcd (built from
 * the Go module proxy by toolchain/local-cluster/install.sh), run by kwokctl's binary runtime, with kwok
 * simulating the nodes and marking pods running and ready. Everything listens on 127.0.0.1.
 */
export const CLUSTER_NAME = "production-blueprint";
/** Zones of the simulated nodes: enough to satisfy production's spread over zones. */
export const NODE_ZONES = ["zone-a", "zone-b", "zone-c"] as const;
export const STORAGE_CLASS = "local-hostpath";

export interface ClusterPaths {
  repoRoot: string;
  /** Gitignored: kwokctl's work directory (cluster state, certificates, logs) and the kubeconfig. */
  dir: string;
  kubeconfig: string;
  bin: string;
}

export function clusterPaths(repoRoot: string): ClusterPaths {
  const cache = process.env.PRODUCTION_BLUEPRINT_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "production-blueprint");
  const dir = path.join(repoRoot, ".cluster");
  return { repoRoot, dir, kubeconfig: path.join(dir, "kubeconfig"), bin: path.join(cache, "local-cluster", "bin") };
}

function kwokctl(paths: ClusterPaths, args: string[], stdio: "inherit" | "pipe" = "pipe"): { status: number; output: string } {
  const binary = path.join(paths.bin, "kwokctl");
  const result = spawnSync(binary, ["--name", CLUSTER_NAME, ...args], {
    env: { ...process.env, KWOK_WORKDIR: path.join(paths.dir, "kwok") },
    encoding: "utf8",
    stdio: stdio === "inherit" ? ["ignore", "inherit", "inherit"] : ["ignore", "pipe", "pipe"],
  });
  // A kwokctl that could not start at all (not built, not executable) prints nothing: say why instead.
  if (result.error) return { status: 1, output: `could not run ${binary}: ${result.error.message}` };
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  const status = result.status ?? 1;
  return { status, output: output || (status === 0 ? "" : `exit ${result.status ?? `signal ${result.signal}`}, no output`) };
}

/** The kubeconfig of the local cluster, or undefined when it was never created. */
export async function loadKubeConfig(paths: ClusterPaths): Promise<k8s.KubeConfig | undefined> {
  if (!fs.existsSync(paths.kubeconfig)) return undefined;
  const config = new (await kubeClient()).KubeConfig();
  config.loadFromFile(paths.kubeconfig);
  return config;
}

export interface ClusterStatus {
  running: boolean;
  /** The API server's version (gitVersion), when it answers. */
  version?: string;
  nodes: { name: string; zone?: string; ready: boolean }[];
  reason: string;
}

export async function clusterStatus(paths: ClusterPaths): Promise<ClusterStatus> {
  const config = await loadKubeConfig(paths);
  const { CoreV1Api, VersionApi } = await kubeClient();
  if (!config) return { running: false, nodes: [], reason: `no local cluster (no ${path.relative(paths.repoRoot, paths.kubeconfig)}): npm run cluster -- up` };
  try {
    const version = await config.makeApiClient(VersionApi).getCode();
    const list = await config.makeApiClient(CoreV1Api).listNode();
    const nodes = list.items.map((node) => ({
      name: node.metadata?.name ?? "",
      zone: node.metadata?.labels?.["topology.kubernetes.io/zone"],
      ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
    }));
    const ready = nodes.filter((node) => node.ready).length;
    return { running: true, version: version.gitVersion, nodes, reason: `local cluster ${version.gitVersion} at ${config.getCurrentCluster()?.server}: ${ready}/${nodes.length} nodes ready` };
  } catch (error) {
    return { running: false, nodes: [], reason: `the local cluster does not answer: ${(error as Error).message}` };
  }
}

function binaryFlags(paths: ClusterPaths): string[] {
  const binary = (name: string) => path.join(paths.bin, name);
  return [
    `--kube-apiserver-binary=${binary("kube-apiserver")}`,
    `--kube-controller-manager-binary=${binary("kube-controller-manager")}`,
    `--kube-scheduler-binary=${binary("kube-scheduler")}`,
    `--etcd-binary=${binary("etcd")}`,
    `--kwok-controller-binary=${binary("kwok")}`,
  ];
}

/** Builds what is missing, creates the cluster when it is not running, and adds its nodes and storage. */
export async function clusterUp(paths: ClusterPaths, log: (line: string) => void): Promise<{ created: boolean; status: ClusterStatus }> {
  execFileSync("bash", [path.join(paths.repoRoot, "toolchain/local-cluster/install.sh")], { stdio: ["ignore", "inherit", "inherit"] });
  const before = await clusterStatus(paths);
  if (before.running && before.nodes.length === NODE_ZONES.length && before.nodes.every((node) => node.ready)) {
    log(`cluster: already up (${before.reason})`);
    return { created: false, status: before };
  }
  if (!before.running) {
    // A half-created cluster (killed mid-start, or its processes gone after a reboot) is removed first.
    kwokctl(paths, ["delete", "cluster", `--kubeconfig=${paths.kubeconfig}`]);
    fs.mkdirSync(paths.dir, { recursive: true });
    log("cluster: creating (kwokctl, binary runtime, 127.0.0.1 only)");
    const created = kwokctl(
      paths,
      ["create", "cluster", `--config=${path.join(paths.repoRoot, "toolchain/local-cluster/kwokctl.yaml")}`, `--kubeconfig=${paths.kubeconfig}`, "--wait=5m", ...binaryFlags(paths)],
      "inherit",
    );
    if (created.status !== 0) throw new Error(`kwokctl create cluster failed (exit ${created.status}); its logs: ${path.join(paths.dir, "kwok", "clusters", CLUSTER_NAME, "logs")}`);
  }
  const config = await loadKubeConfig(paths);
  if (!config) throw new Error(`kwokctl did not write ${paths.kubeconfig}`);
  await ensureNodes(config);
  await ensureStorageClass(config);
  const status = await waitFor(() => clusterStatus(paths), (s) => s.running && s.nodes.length === NODE_ZONES.length && s.nodes.every((n) => n.ready), 120_000, "nodes ready");
  log(`cluster: up (${status.reason}); KUBECONFIG=${paths.kubeconfig}`);
  return { created: true, status };
}

export function clusterDown(paths: ClusterPaths, log: (line: string) => void): void {
  const built = fs.existsSync(path.join(paths.bin, "kwokctl"));
  if (!fs.existsSync(paths.dir)) {
    const toolchain = built ? "" : `, and kwokctl is not built (${paths.bin}; \`npm run cluster -- up\` builds it)`;
    log(`cluster: nothing to take down: no local cluster was created here (no ${path.relative(paths.repoRoot, paths.dir)}/)${toolchain}`);
    return;
  }
  if (!built) {
    throw new Error(`${path.relative(paths.repoRoot, paths.dir)}/ holds a local cluster, but kwokctl, which stops it, is not built in ${paths.bin}: run \`bash toolchain/local-cluster/install.sh\`, then \`npm run cluster -- down\` again`);
  }
  const result = kwokctl(paths, ["delete", "cluster", `--kubeconfig=${paths.kubeconfig}`]);
  if (result.status !== 0) throw new Error(`kwokctl delete cluster failed: ${result.output}`);
  fs.rmSync(paths.kubeconfig, { force: true });
  log("cluster: down");
}

/** Nodes kwok manages (its annotation), one per zone, sized so every stack's requests fit. */
export function nodeManifest(zone: string): k8s.V1Node {
  const name = `kwok-${zone}`;
  const capacity = { cpu: "16", memory: "64Gi", "ephemeral-storage": "200Gi", pods: "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "topology.kubernetes.io/zone": zone,
        type: "kwok",
      },
    },
    status: { capacity, allocatable: capacity, nodeInfo: { architecture: "amd64", operatingSystem: "linux" } as k8s.V1NodeSystemInfo },
  };
}

async function ensureNodes(config: k8s.KubeConfig): Promise<void> {
  const core = config.makeApiClient((await kubeClient()).CoreV1Api);
  const existing = new Set((await core.listNode()).items.map((node) => node.metadata?.name));
  for (const zone of NODE_ZONES) {
    const node = nodeManifest(zone);
    if (!existing.has(node.metadata?.name)) await core.createNode({ body: node });
  }
}

async function ensureStorageClass(config: k8s.KubeConfig): Promise<void> {
  const storage = config.makeApiClient((await kubeClient()).StorageV1Api);
  const existing = (await storage.listStorageClass()).items.map((sc) => sc.metadata?.name);
  if (existing.includes(STORAGE_CLASS)) return;
  await storage.createStorageClass({
    body: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "kubernetes.io/host-path",
      reclaimPolicy: "Delete",
      volumeBindingMode: "Immediate",
    },
  });
}

/** Polls fn until done(value) or the timeout, then fails naming what it waited for. */
export async function waitFor<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last seen: ${JSON.stringify(last)}`);
}

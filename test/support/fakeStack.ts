import type { GitWorkTree } from "../../scripts/lib/git";
import { type ConfigMap, SERVICES_KEY, type UpdateRecord } from "../../scripts/lib/history";
import type { RollbackStack, Terminal } from "../../scripts/lib/rollback";

export const COMMIT_V1 = "1111111111111111111111111111111111111111";
export const COMMIT_V2 = "2222222222222222222222222222222222222222";

/** A stack config as `pulumi config --json` / history would hold it, with the items-api image at `tag`. */
export function configWith(tag: string, extra: ConfigMap = {}): ConfigMap {
  const services = { "items-api": { image: { build: false, ref: `ghcr.io/production-blueprint/items-api:${tag}` }, port: 8000 } };
  return {
    [SERVICES_KEY]: { value: JSON.stringify(services), objectValue: services, secret: false },
    "production-blueprint:vaultToken": { value: `token-for-${tag}`, secret: true },
    ...extra,
  };
}

export function update(version: number, fields: Partial<UpdateRecord> & { head?: string; dirty?: boolean } = {}): UpdateRecord {
  const { head = COMMIT_V1, dirty = false, ...rest } = fields;
  return {
    version,
    kind: "update",
    startTime: new Date(Date.UTC(2026, 10, version, 9, 30)),
    endTime: new Date(Date.UTC(2026, 10, version, 9, 34)),
    result: "succeeded",
    message: `deploy ${version}`,
    environment: { "git.head": head, "git.dirty": String(dirty), "exec.kind": "cli" },
    config: configWith(`0.${version}.0`),
    ...rest,
  };
}

export type Call =
  | { op: "history" | "getAllConfig" | "preview" }
  | { op: "up"; message: string }
  | { op: "setAllConfig"; config: ConfigMap }
  | { op: "removeAllConfig"; keys: string[] };

/** Records every call in order; the config it holds changes as a real stack's would. */
export class FakeStack implements RollbackStack {
  readonly calls: Call[] = [];
  previewError?: Error;

  constructor(
    readonly name: string,
    private readonly updates: UpdateRecord[],
    public config: ConfigMap,
  ) {}

  async history() {
    this.calls.push({ op: "history" });
    return structuredClone(this.updates);
  }
  async getAllConfig() {
    this.calls.push({ op: "getAllConfig" });
    return structuredClone(this.config);
  }
  async setAllConfig(config: ConfigMap) {
    this.calls.push({ op: "setAllConfig", config: structuredClone(config) });
    this.config = { ...this.config, ...structuredClone(config) };
  }
  async removeAllConfig(keys: string[]) {
    this.calls.push({ op: "removeAllConfig", keys });
    this.config = Object.fromEntries(Object.entries(this.config).filter(([key]) => !keys.includes(key)));
  }
  async preview() {
    this.calls.push({ op: "preview" });
    if (this.previewError) throw this.previewError;
    return { stdout: "Previewing update (staging):\n ~ kubernetes:apps/v1:Deployment items-api update [diff: ~spec]\nResources: ~ 1 to update" };
  }
  async up(message: string) {
    this.calls.push({ op: "up", message });
    return { summary: { version: this.updates.length + 1, result: "succeeded" } };
  }
  ops(): string[] {
    return this.calls.map((call) => call.op);
  }
}

export class FakeGit implements GitWorkTree {
  constructor(
    public headCommit: string | undefined = COMMIT_V2,
    public dirty: string[] = [],
    /** Files changed between two commits, keyed "from..to"; a missing key means the commit is unknown. */
    public diffs: Record<string, string[]> = { [`${COMMIT_V1}..${COMMIT_V2}`]: ["Pulumi.staging.yaml", "docs/rollback.md"] },
  ) {}
  async head() {
    return this.headCommit;
  }
  async dirtyFiles() {
    return this.dirty;
  }
  async changedFiles(from: string, to: string) {
    return this.diffs[`${from}..${to}`];
  }
}

export class FakeTerminal implements Terminal {
  readonly lines: string[] = [];
  readonly questions: string[] = [];
  constructor(
    readonly interactive: boolean,
    private readonly answer = false,
  ) {}
  async confirm(question: string) {
    this.questions.push(question);
    return this.answer;
  }
  log(line: string) {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.join("\n");
  }
}

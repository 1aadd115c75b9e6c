import { PROJECT } from "../../components/stackConfig";

/** One config value as `pulumi stack history --json` records it (objectValue when the value is a map). */
export interface ConfigValue {
  value?: string;
  secret?: boolean;
  objectValue?: unknown;
}
export type ConfigMap = Record<string, ConfigValue>;

/** The part of an Automation API UpdateSummary that history and rollback read. */
export interface UpdateRecord {
  version: number;
  kind: string;
  startTime: Date;
  endTime?: Date;
  result: string;
  message?: string;
  environment?: Record<string, string>;
  config?: ConfigMap;
}

/** What `npm run history` needs from a stack: its updates, without secret values. */
export interface HistorySource {
  history(): Promise<UpdateRecord[]>;
}

/** Keys Pulumi writes into every update's environment (pkg/backend/updates.go). */
export const GIT_HEAD = "git.head";
export const GIT_DIRTY = "git.dirty";
export const SERVICES_KEY = `${PROJECT}:services`;

export interface HistoryEntry {
  version: number;
  /** "position" when the backend recorded no version numbers (DIY backends) and they were counted. */
  versionFrom: "backend" | "position";
  kind: string;
  time: string;
  result: string;
  /** Image reference per service, from the update's config. */
  images: Record<string, string>;
  commit?: string;
  dirty: boolean;
  message?: string;
}

interface ServiceImage {
  image?: { build?: boolean; ref?: string; repository?: string; tag?: string };
}

/** Each service's image as the update's config named it: the pinned ref, or repository:tag when built. */
export function imageRefs(config: ConfigMap | undefined): Record<string, string> {
  const entry = config?.[SERVICES_KEY];
  const services = entry?.objectValue ?? parseJson(entry?.value);
  if (services === null || typeof services !== "object") return {};
  return Object.fromEntries(
    Object.entries(services as Record<string, ServiceImage>).map(([name, service]) => {
      const image = service?.image;
      const ref = image?.build ? `${image.repository}:${image.tag} (built)` : (image?.ref ?? "?");
      return [name, ref];
    }),
  );
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * DIY backends (file://, s3://, …) write version 0 into every history record. Their history is
 * append-only, so counting updates from the oldest (1) gives the numbers Pulumi Cloud would show, and they
 * stay stable as long as nobody deletes history files.
 */
export function withVersions(updates: UpdateRecord[]): { updates: UpdateRecord[]; positional: boolean } {
  const versions = new Set(updates.map((update) => update.version));
  if (versions.size === updates.length && !versions.has(0)) return { updates, positional: false };
  // The backend lists newest first; equal start times keep that order.
  const oldestFirst = updates.map((update, index) => ({ update, index })).sort((a, b) => +new Date(a.update.startTime) - +new Date(b.update.startTime) || b.index - a.index);
  return { updates: oldestFirst.map(({ update }, index) => ({ ...update, version: index + 1 })), positional: true };
}

export function summarize(update: UpdateRecord, versionFrom: HistoryEntry["versionFrom"] = "backend"): HistoryEntry {
  const environment = update.environment ?? {};
  return {
    version: update.version,
    versionFrom,
    kind: update.kind,
    time: new Date(update.startTime).toISOString(),
    result: update.result,
    images: imageRefs(update.config),
    ...(environment[GIT_HEAD] ? { commit: environment[GIT_HEAD] } : {}),
    dirty: environment[GIT_DIRTY] === "true",
    ...(update.message ? { message: update.message } : {}),
  };
}

/** Newest first, as `pulumi stack history` shows them. */
export async function listHistory(stack: HistorySource): Promise<HistoryEntry[]> {
  const { updates, positional } = withVersions(await stack.history());
  return updates.map((update) => summarize(update, positional ? "position" : "backend")).sort((a, b) => b.version - a.version);
}

export function shortCommit(entry: Pick<HistoryEntry, "commit" | "dirty">): string {
  if (!entry.commit) return "(no git commit recorded)";
  return `${entry.commit.slice(0, 12)}${entry.dirty ? " +uncommitted changes" : ""}`;
}

/** A plain-text table: one line per update, images listed after it. */
export function formatHistory(stackName: string, entries: HistoryEntry[]): string {
  if (entries.length === 0) return `stack '${stackName}' has no updates yet`;
  const header = ["VERSION", "TIME (UTC)", "KIND", "RESULT", "GIT COMMIT"];
  const rows = entries.map((entry) => [String(entry.version), entry.time.replace("T", " ").replace(/\.\d+Z$/, "Z"), entry.kind, entry.result, shortCommit(entry)]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  const body = entries.flatMap((entry, index) => [
    line(rows[index]),
    ...Object.entries(entry.images).map(([service, ref]) => `${" ".repeat(widths[0] + 2)}image ${service} = ${ref}`),
  ]);
  const note = entries.some((entry) => entry.versionFrom === "position")
    ? ["", "(this backend records no version numbers: versions count updates from the oldest, 1, and are what `npm run rollback -- --to` takes)"]
    : [];
  return [line(header), ...body, ...note].join("\n");
}

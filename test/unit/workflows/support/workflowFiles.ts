import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** The repository root, from this folder (test/unit/workflows/support). */
export const ROOT = path.join(__dirname, "..", "..", "..", "..");

export type Yaml = Record<string, any>;

export interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Yaml;
  env?: Record<string, string>;
}

export function read(file: string): string {
  return fs.readFileSync(path.join(ROOT, file), "utf8");
}

export function load(file: string): Yaml {
  return parse(read(file)) as Yaml;
}

export function stepsOf(job: Yaml): Step[] {
  return (job.steps ?? []) as Step[];
}

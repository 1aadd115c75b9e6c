/**
 * Starts the real programs of a systems test and guarantees they die with it: every process is started in its
 * own process group and `stopAll()` (called from after/afterEach) kills the group, then waits for the exit,
 * so mocha exits even when a test failed half way. Output goes to a log file that failures quote.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export interface Running {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
}

export class Processes {
  private readonly running: Running[] = [];
  readonly logDir = fs.mkdtempSync(path.join(os.tmpdir(), "systems-logs-"));

  start(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Running {
    const logFile = path.join(this.logDir, `${name}-${this.running.length}.log`);
    const fd = fs.openSync(logFile, "w");
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", fd, fd], detached: true });
    fs.closeSync(fd);
    const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
    const entry: Running = { name, child, logFile, output: () => fs.readFileSync(logFile, "utf8"), exited };
    this.running.push(entry);
    return entry;
  }

  /** SIGTERM, then SIGKILL after `graceMs`, for one process group; resolves when it has exited. */
  async stop(entry: Running, graceMs = 10_000): Promise<number | string> {
    if (entry.child.exitCode === null && entry.child.signalCode === null) {
      signalGroup(entry.child, "SIGTERM");
      const timer = setTimeout(() => signalGroup(entry.child, "SIGKILL"), graceMs);
      await entry.exited;
      clearTimeout(timer);
    }
    return entry.exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((entry) => this.stop(entry)));
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Runs a command to completion (bounded by `timeoutMs`) and returns its exit status and output. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): { status: number | null; output: string } {
  const result = spawnSync(command, args, { env: options.env ?? process.env, input: options.input, encoding: "utf8", timeout: options.timeoutMs ?? 120_000 });
  return { status: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` };
}

/**
 * Polls `check` until it returns a value, at most `attempts` times `intervalMs` apart. Bounded: it throws
 * with the last error instead of hanging, and it asserts nothing about how long the wait took.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, options: { attempts?: number; intervalMs?: number; running?: Running } = {}): Promise<T> {
  const attempts = options.attempts ?? 60;
  let last = "";
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (options.running && options.running.child.exitCode !== null) {
      throw new Error(`${options.running.name} exited (${options.running.child.exitCode}) while waiting for ${what}:\n${options.running.output().slice(-3000)}`);
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
  const tail = options.running ? `\n${options.running.name} output:\n${options.running.output().slice(-3000)}` : "";
  throw new Error(`gave up waiting for ${what} after ${attempts} attempts${last ? ` (last error: ${last})` : ""}${tail}`);
}

/** Fails clearly when a port the render names is taken, rather than letting the program die obscurely. */
export async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", () => reject(new Error(`port ${port} (from the staging render) is in use on 127.0.0.1 by another process`)));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
    });
  }
}

/** A port on 127.0.0.1 that nothing listens on now, for a program whose port no render fixes. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** GET/POST JSON helper with a timeout; throws on a non-2xx answer with its body. */
export async function httpJson<T = any>(url: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  return (text === "" ? {} : JSON.parse(text)) as T;
}

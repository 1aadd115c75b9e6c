/** Starting, observing (CPU time, RSS) and stopping the processes a benchmark compares. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { CpuQuota } from './cpu-quota.js';

export interface Variant {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Create the benchmark's items through the API after start (the peer seeds itself). */
  seedThroughApi: boolean;
  quota?: CpuQuota;
}

export interface Running {
  variant: Variant;
  child: ChildProcess;
  port: number;
}

/** Every benchmarked process still running: killed if the benchmark itself is interrupted or fails. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The process and all its descendants (uvicorn forks one process per worker). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let index = 0; index < pids.length; index += 1) {
    try {
      for (const task of readdirSync(`/proc/${pids[index]}/task`)) {
        const children = readFileSync(`/proc/${pids[index]}/task/${task}/children`, 'utf8').trim();
        if (children !== '') pids.push(...children.split(' ').map(Number));
      }
    } catch {
      // the process exited meanwhile
    }
  }
  return pids;
}

/** User plus system CPU seconds of the process tree so far. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const one of processTree(pid)) {
    try {
      const fields = readFileSync(`/proc/${one}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited
    }
  }
  return ticks / CLOCK_TICKS;
}

/** Resident memory of the process tree, in bytes. */
export function rssBytes(pid: number): number {
  let kib = 0;
  for (const one of processTree(pid)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${one}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kib * 1024;
}

async function waitUntilServing(name: string, port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/v1/items/`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${name} never answered 200 within 30 s`);
}

/**
 * The reader of a variant's stdout: its own process, as a pod's stdout is read by the container runtime's shim,
 * neither inside the pod's cgroup nor in the client's process. Draining it in this process (the load generator)
 * measured 11 and 41 µs more CPU per request in the service than a separate reader did (two concurrent runs at a
 * fixed rate), an artefact that only the variants that log paid.
 */
function startLogReader(): ChildProcess {
  const reader = spawn('cat', [], { stdio: ['pipe', 'ignore', 'ignore'] });
  live.add(reader);
  reader.once('exit', () => live.delete(reader));
  return reader;
}

export async function startVariant(variant: Variant): Promise<Running> {
  const port = await freePort();
  const logReader = startLogReader();
  const child = spawn(variant.command, [...variant.args, ...(variant.command.endsWith('uvicorn') ? ['--port', String(port)] : [])], {
    cwd: variant.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', APP_PORT: String(port), APP_HOST: '127.0.0.1', ...variant.env },
    // Logs are written for real, to a pipe, so their cost is part of the measurement (see startLogReader).
    stdio: ['ignore', logReader.stdin!, 'pipe'],
  });
  // The child holds its own copy of the pipe; the reader sees its end when the child exits.
  logReader.stdin!.destroy();
  live.add(child);
  child.once('exit', () => live.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  variant.quota?.place(child.pid!);
  try {
    await waitUntilServing(variant.name, port, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}; stderr: ${stderr}`);
  }
  return { variant, child, port };
}

export async function stopVariant(running: Running): Promise<void> {
  if (running.child.exitCode === null && running.child.signalCode === null) {
    const exited = new Promise((done) => running.child.once('exit', done));
    running.child.kill('SIGTERM');
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

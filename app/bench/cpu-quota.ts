/**
 * A CPU quota for one benchmarked process, as a pod's `limits.cpu` gives it: the kernel's CFS bandwidth control
 * through a cgroup. cgroup v2 when its cpu controller is available, else cgroup v1's cpu controller (the same
 * CFS quota), else `taskset` to one core, which bounds parallelism but is not a quota (the run says so).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;

export interface CpuQuota {
  /** How the limit is enforced, printed with the results. */
  description: string;
  place(pid: number): void;
  dispose(): void;
}

function tryCgroup(dir: string, setup: () => void, procsFile: string, description: string): CpuQuota | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    setup();
    return {
      description,
      place: (pid) => writeFileSync(join(dir, procsFile), String(pid)),
      dispose: () => {
        try {
          rmdirSync(dir);
        } catch {
          // still has a process in it: it is removed with the machine's next cleanup, and holds nothing
        }
      },
    };
  } catch {
    return undefined;
  }
}

export function createCpuQuota(millicores: number, name: string): CpuQuota {
  const quotaUs = Math.round((PERIOD_US * millicores) / 1000);
  const v2Root = '/sys/fs/cgroup';
  if (existsSync(join(v2Root, 'cgroup.controllers')) && readFileSync(join(v2Root, 'cgroup.controllers'), 'utf8').includes('cpu')) {
    const dir = join(v2Root, name);
    const quota = tryCgroup(
      dir,
      () => {
        writeFileSync(join(v2Root, 'cgroup.subtree_control'), '+cpu');
        writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
      },
      'cgroup.procs',
      `cgroup v2 cpu.max ${quotaUs}/${PERIOD_US} (${millicores}m)`,
    );
    if (quota !== undefined) return quota;
  }
  const v1Root = '/sys/fs/cgroup/cpu';
  if (existsSync(join(v1Root, 'cpu.cfs_quota_us'))) {
    const dir = join(v1Root, name);
    const quota = tryCgroup(
      dir,
      () => {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      },
      'cgroup.procs',
      `cgroup v1 cpu.cfs_quota_us ${quotaUs}/${PERIOD_US} (${millicores}m; no cgroup v2 cpu controller here)`,
    );
    if (quota !== undefined) return quota;
  }
  return {
    description: `taskset to CPU 0 (no writable cgroup: this bounds the process to one core, it is NOT a ${millicores}m quota)`,
    place: (pid) => void execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' }),
    dispose: () => undefined,
  };
}

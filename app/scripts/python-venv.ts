import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The app directory, from the compiled dist/scripts/ (or any dist/ sibling). */
export const APP_ROOT = resolve(__dirname, '../..');

/** The cached virtualenv (see python-venv.sh) holding the pinned requirements file, relative to app/. */
export function pythonVenv(requirements: string): string {
  const result = spawnSync('bash', [resolve(APP_ROOT, 'scripts/python-venv.sh'), resolve(APP_ROOT, requirements)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`could not set up the virtualenv for ${requirements}`);
  return result.stdout.trim();
}

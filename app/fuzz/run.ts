/**
 * npm run test:fuzz — schemathesis (pinned in fuzz/requirements.txt, installed from PyPI into a cached venv)
 * against the built service's own OpenAPI document, with every check schemathesis has: server errors, schema
 * and status-code conformance, negative-data rejection, undeclared methods, and the stateful phase. A fixed
 * seed and a bounded number of examples per operation make a run reproducible and short; an outer timeout
 * bounds it even on a slow machine. Exits non-zero on any failure.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pythonVenv } from '../scripts/python-venv.js';
import { startChildService } from '../test/support/child-service.js';

const SEED = '20240514';
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '30';
const OUTER_TIMEOUT_MS = 10 * 60_000;
const API_KEY = 'schemathesis-api-key-0123456789';

async function main(): Promise<number> {
  const venv = pythonVenv('fuzz/requirements.txt');
  // schemathesis and hypothesis write their databases and reports into the working directory: keep them out of the repo.
  const workDir = join(venv, 'work');
  mkdirSync(workDir, { recursive: true });
  const service = await startChildService({ API_KEY, LOG_LEVEL: 'info', SHUTDOWN_DELAY_SECONDS: '0', DOCS_ENABLED: 'true' });
  try {
    const args = [
      'run',
      `${service.baseUrl}/docs/json`,
      '--checks', 'all',
      '--seed', SEED,
      '--max-examples', MAX_EXAMPLES,
      '--workers', '1',
      '--request-timeout', '10',
      // Data generation slows down on a loaded machine; that is not a defect of the API.
      '--suppress-health-check', 'too_slow',
      '--header', `Authorization: Bearer ${API_KEY}`,
      '--no-color',
    ];
    console.log(`schemathesis ${args.join(' ').replace(API_KEY, '[api key]')}`);
    const child = spawn(join(venv, 'bin/schemathesis'), args, { cwd: workDir, stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), OUTER_TIMEOUT_MS);
    const code = await new Promise<number>((done) => child.on('close', (exitCode) => done(exitCode ?? 1)));
    clearTimeout(timer);
    const serverErrors = service.lines.filter((line) => line.event === 'request_failed').length;
    if (serverErrors > 0) {
      console.error(`the service logged ${serverErrors} request_failed lines during the fuzz run`);
      return 1;
    }
    return code;
  } finally {
    await service.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

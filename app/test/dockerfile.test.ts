import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const appDir = resolve(__dirname, '../..');

interface Instruction {
  keyword: string;
  args: string;
}

/** Joins continuation lines and drops comments, giving one entry per Dockerfile instruction. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile (checked by inspection: no Docker engine in the test environment)', () => {
  const all = instructions(readFileSync(resolve(appDir, 'Dockerfile'), 'utf8'));
  const fromIndexes = all.flatMap((instruction, index) => (instruction.keyword === 'FROM' ? [index] : []));
  const runtime = all.slice(fromIndexes.at(-1));
  const baseImage = all.find((instruction) => instruction.keyword === 'ARG' && instruction.args.startsWith('NODE_IMAGE='))?.args.split('=')[1];

  it('is multi-stage on a Node 24 slim base image pinned by tag and digest', () => {
    assert.ok(fromIndexes.length >= 2, 'at least a build and a runtime stage');
    assert.match(baseImage ?? '', /^node:24\.\d+\.\d+-[a-z]+-slim@sha256:[a-f0-9]{64}$/);
    for (const index of fromIndexes) assert.match(all[index]!.args, /^\$\{NODE_IMAGE\} AS \w+$/);
  });

  it('installs production dependencies with npm ci --omit=dev', () => {
    const installs = all.filter((instruction) => instruction.keyword === 'RUN' && instruction.args.includes('npm ci'));
    assert.ok(installs.some((instruction) => instruction.args.includes('npm ci --omit=dev')));
    assert.ok(!all.some((instruction) => instruction.keyword === 'RUN' && /npm install\b/.test(instruction.args)), 'never npm install');
  });

  it('runs as a numeric non-root UID and GID above 10000 in the final stage', () => {
    const users = runtime.filter((instruction) => instruction.keyword === 'USER');
    assert.equal(users.length, 1);
    const [uid, gid] = users[0]!.args.split(':').map(Number);
    assert.ok(uid !== undefined && uid > 10000, `uid ${uid}`);
    assert.ok(gid !== undefined && gid > 10000, `gid ${gid}`);
  });

  it('writes only to /tmp: no RUN, VOLUME or writable paths in the final stage, HOME and TMPDIR point to /tmp', () => {
    assert.ok(!runtime.some((instruction) => instruction.keyword === 'RUN' || instruction.keyword === 'VOLUME'));
    const env = runtime.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => instruction.args).join(' ');
    assert.match(env, /\bHOME=\/tmp\b/);
    assert.match(env, /\bTMPDIR=\/tmp\b/);
    for (const copy of runtime.filter((instruction) => instruction.keyword === 'COPY')) assert.match(copy.args, /--chown=0:0/, 'code is root-owned, read-only to the app user');
  });

  it('starts node directly in exec form so SIGTERM reaches it', () => {
    const cmd = runtime.filter((instruction) => instruction.keyword === 'CMD');
    assert.equal(cmd.length, 1);
    assert.deepEqual(JSON.parse(cmd[0]!.args), ['node', 'dist/src/main.js']);
    assert.ok(!runtime.some((instruction) => instruction.keyword === 'ENTRYPOINT'), 'no shell wrapper entrypoint');
  });

  it('has a HEALTHCHECK against /health and exposes port 8000', () => {
    const healthcheck = runtime.find((instruction) => instruction.keyword === 'HEALTHCHECK');
    assert.ok(healthcheck);
    assert.match(healthcheck.args, /CMD \["node", "-e", .*\/health/);
    assert.ok(runtime.some((instruction) => instruction.keyword === 'EXPOSE' && instruction.args === '8000'));
  });

  it('ships the compiled entry point that npm start runs', () => {
    const packageJson = JSON.parse(readFileSync(resolve(appDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(packageJson.scripts.start, 'node dist/src/main.js');
    assert.ok(runtime.some((instruction) => instruction.keyword === 'COPY' && instruction.args.includes('/build/dist/src ./dist/src')));
  });

  it('.dockerignore keeps node_modules, build output, tests and .env files out of the build context', () => {
    const ignored = readFileSync(resolve(appDir, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', 'dist', 'test', '.env']) assert.ok(ignored.includes(entry), entry);
  });
});

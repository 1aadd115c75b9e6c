import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { environmentSchema } from '../src/config/schema.js';
import { runServiceToExit } from './support/child-service.js';

function problemsOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('runs with embedded defaults: development, port 8000, Vault off, tracing off, no key', () => {
    const config = loadConfig({});
    assert.equal(config.environment, 'development');
    assert.equal(config.port, 8000);
    assert.equal(config.vault, undefined);
    assert.equal(config.tracing.enabled, false);
    assert.equal(config.staticApiKey, undefined);
    assert.equal(config.shutdown.delaySeconds, 5);
    assert.deepEqual(config.log, { level: 'info', format: 'json' });
  });

  it('maps the Kubernetes ConfigMap variables', () => {
    const config = loadConfig({
      APP_NAME: 'items-api',
      APP_ENV: 'production',
      APP_VERSION: '2.0.1',
      APP_PORT: '8080',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      OTEL_ENABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger-collector.observability.svc.cluster.local:4318/',
      VAULT_ENABLED: 'true',
      VAULT_URL: 'http://vault.vault.svc:8200',
      VAULT_AUTH_METHOD: 'approle',
      VAULT_ROLE_ID: 'r',
      VAULT_SECRET_ID: 's',
      VAULT_SECRET_ID_WRAPPED: 'true',
      VAULT_SECRET_PATH: 'items-api',
      VAULT_APPROLE_MOUNT: 'approle-apps',
      VAULT_NAMESPACE: 'admin/team-a',
      SHUTDOWN_DELAY_SECONDS: '3',
    });
    assert.equal(config.port, 8080);
    assert.deepEqual(config.tracing, {
      enabled: true,
      endpoint: 'http://jaeger-collector.observability.svc.cluster.local:4318',
      serviceName: 'items-api',
      sampler: { name: 'parentbased_always_on', ratio: 1 },
    });
    assert.deepEqual(config.vault, {
      url: 'http://vault.vault.svc:8200',
      auth: { method: 'approle', roleId: { kind: 'value', value: 'r' }, secretId: { kind: 'value', value: 's' }, secretIdWrapped: true },
      approleMount: 'approle-apps',
      namespace: 'admin/team-a',
      caCert: undefined,
      mountPoint: 'secret',
      secretPath: 'items-api',
      requestTimeoutMs: 5000,
    });
    assert.equal(config.shutdown.delaySeconds, 3);
  });

  it('reads API_KEY_FILE, trimming the trailing newline of a mounted Secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-key-'));
    writeFileSync(join(dir, 'api-key'), 'file-api-key-0123456789\n');
    assert.equal(loadConfig({ APP_ENV: 'production', API_KEY_FILE: join(dir, 'api-key') }).staticApiKey, 'file-api-key-0123456789');
  });

  it('lists every bad variable and why, in one message', () => {
    const error = problemsOf({ APP_PORT: 'eighty', APP_ENV: 'prod', LOG_FORMAT: 'xml', OTEL_ENABLED: 'maybe', SHUTDOWN_DELAY_SECONDS: '-1' });
    assert.deepEqual(
      error.problems.map((problem) => problem.variable).sort(),
      ['APP_ENV', 'APP_PORT', 'LOG_FORMAT', 'OTEL_ENABLED', 'SHUTDOWN_DELAY_SECONDS'],
    );
    assert.match(error.message, /^Invalid configuration \(5 problems\): /);
    assert.match(error.message, /APP_PORT: must be an integer between 0 and 65535/);
    assert.match(error.message, /APP_ENV: must be one of development, staging, production/);
    assert.match(error.message, /LOG_FORMAT: must be json or pretty/);
  });

  it('reads the standard sampler variables, and names a value the SDK would silently replace with "sample everything"', () => {
    const sampler = loadConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }).tracing.sampler;
    assert.deepEqual(sampler, { name: 'parentbased_traceidratio', ratio: 0.1 });
    const error = problemsOf({ OTEL_TRACES_SAMPLER: 'jaeger_remote', OTEL_TRACES_SAMPLER_ARG: '10%' });
    assert.deepEqual(error.problems.map((problem) => problem.variable).sort(), ['OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG']);
    assert.match(error.message, /OTEL_TRACES_SAMPLER: must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio/);
    assert.match(error.message, /OTEL_TRACES_SAMPLER_ARG: must be a number between 0 and 1/);
  });

  it('refuses staging and production without an API key when Vault is off', () => {
    for (const environment of ['staging', 'production']) {
      const error = problemsOf({ APP_ENV: environment });
      assert.equal(error.problems.length, 1);
      assert.equal(error.problems[0]?.variable, 'API_KEY');
      assert.match(error.message, new RegExp(`API_KEY or API_KEY_FILE is required in ${environment}`));
    }
  });

  it('requires the Vault settings that the chosen auth method needs', () => {
    const approle = problemsOf({ VAULT_ENABLED: 'true' });
    assert.deepEqual(approle.problems.map((problem) => problem.variable), ['VAULT_URL', 'VAULT_SECRET_PATH', 'VAULT_ROLE_ID', 'VAULT_SECRET_ID']);
    const token = problemsOf({ VAULT_ENABLED: 'true', VAULT_AUTH_METHOD: 'token', VAULT_URL: 'http://v:8200', VAULT_SECRET_PATH: 'x' });
    assert.deepEqual(token.problems.map((problem) => problem.variable), ['VAULT_TOKEN']);
    const badUrl = problemsOf({ VAULT_ENABLED: 'true', VAULT_URL: 'ftp://vault', VAULT_AUTH_METHOD: 'token', VAULT_TOKEN: 't', VAULT_SECRET_PATH: 'x' });
    assert.match(badUrl.message, /VAULT_URL: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('keeps approle as the default auth method and names the accepted methods', () => {
    const config = loadConfig({ VAULT_ENABLED: 'true', VAULT_URL: 'http://v:8200', VAULT_SECRET_PATH: 'x', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's' });
    assert.equal(config.vault?.auth.method, 'approle');
    const error = problemsOf({ VAULT_AUTH_METHOD: 'jwt' });
    assert.deepEqual(error.problems, [{ variable: 'VAULT_AUTH_METHOD', message: 'must be token, approle or kubernetes' }]);
  });

  describe('VAULT_AUTH_METHOD=kubernetes', () => {
    const tokenFile = () => {
      const file = join(mkdtempSync(join(tmpdir(), 'sa-token-')), 'token');
      writeFileSync(file, 'eyJhbGciOiJSUzI1NiJ9.config-test-token.c2ln\n');
      return file;
    };
    const base = { VAULT_ENABLED: 'true', VAULT_URL: 'http://vault.vault.svc:8200', VAULT_SECRET_PATH: 'items-api', VAULT_AUTH_METHOD: 'kubernetes' };

    it('is accepted with a role and the projected token file; the mount defaults to "kubernetes"', () => {
      const file = tokenFile();
      const config = loadConfig({ ...base, VAULT_KUBERNETES_ROLE: 'items-api', VAULT_KUBERNETES_TOKEN_FILE: file });
      assert.deepEqual(config.vault?.auth, { method: 'kubernetes', mount: 'kubernetes', role: 'items-api', tokenFile: file });
      const other = loadConfig({ ...base, VAULT_KUBERNETES_MOUNT: 'kubernetes/cluster-a', VAULT_KUBERNETES_ROLE: 'items_api.v2', VAULT_KUBERNETES_TOKEN_FILE: file });
      assert.deepEqual(other.vault?.auth, { method: 'kubernetes', mount: 'kubernetes/cluster-a', role: 'items_api.v2', tokenFile: file });
    });

    it('requires the role and the token file, naming each variable; AppRole credentials are not asked for', () => {
      const error = problemsOf(base);
      assert.deepEqual(error.problems, [
        { variable: 'VAULT_KUBERNETES_ROLE', message: 'is required when VAULT_AUTH_METHOD=kubernetes' },
        { variable: 'VAULT_KUBERNETES_TOKEN_FILE', message: 'is required when VAULT_AUTH_METHOD=kubernetes' },
      ]);
    });

    it('rejects a bad mount path and a role that is not a plain name, once each', () => {
      for (const mount of ['/kubernetes', 'kubernetes/', 'kube netes', 'a//b']) {
        const error = problemsOf({ ...base, VAULT_KUBERNETES_MOUNT: mount, VAULT_KUBERNETES_ROLE: 'items-api', VAULT_KUBERNETES_TOKEN_FILE: tokenFile() });
        assert.deepEqual(error.problems, [{ variable: 'VAULT_KUBERNETES_MOUNT', message: 'must be a Vault auth mount path such as "kubernetes"' }], mount);
      }
      for (const role of ['team/items-api', '-items', 'items-', 'items api', 'x'.repeat(129)]) {
        const error = problemsOf({ ...base, VAULT_KUBERNETES_ROLE: role, VAULT_KUBERNETES_TOKEN_FILE: tokenFile() });
        assert.deepEqual(error.problems.map((problem) => problem.variable), ['VAULT_KUBERNETES_ROLE'], role);
        assert.match(error.message, /VAULT_KUBERNETES_ROLE: must be a Vault role name such as "items-api"/);
      }
    });

    it('rejects a token file that cannot be read, and checks it only when the Kubernetes method reads it', () => {
      const error = problemsOf({ ...base, VAULT_KUBERNETES_ROLE: 'items-api', VAULT_KUBERNETES_TOKEN_FILE: '/nonexistent/token' });
      assert.deepEqual(error.problems, [{ variable: 'VAULT_KUBERNETES_TOKEN_FILE', message: 'file /nonexistent/token does not exist or is not readable' }]);
      const approle = loadConfig({ ...base, VAULT_AUTH_METHOD: 'approle', VAULT_ROLE_ID: 'r', VAULT_SECRET_ID: 's', VAULT_KUBERNETES_TOKEN_FILE: '/nonexistent/token' });
      assert.equal(approle.vault?.auth.method, 'approle');
    });
  });

  it('rejects a *_FILE path that cannot be read and a value given twice', () => {
    const error = problemsOf({
      VAULT_ENABLED: 'true',
      VAULT_URL: 'http://v:8200',
      VAULT_SECRET_PATH: 'x',
      VAULT_ROLE_ID_FILE: '/nonexistent/role-id',
      VAULT_SECRET_ID: 'a',
      VAULT_SECRET_ID_FILE: '/nonexistent/secret-id',
    });
    assert.match(error.message, /VAULT_SECRET_ID: set either VAULT_SECRET_ID or VAULT_SECRET_ID_FILE, not both/);
    assert.match(error.message, /VAULT_ROLE_ID_FILE: file \/nonexistent\/role-id does not exist or is not readable/);
  });

  it('never echoes a secret value in the message', () => {
    const error = problemsOf({ API_KEY: 'short-secret', APP_PORT: '0' });
    assert.ok(!error.message.includes('short-secret'));
    assert.match(error.message, /API_KEY: the API key must be at least 16 characters/);
  });

  it('the built service exits 1 with one config_invalid log line listing every bad variable', async () => {
    const result = await runServiceToExit({ APP_PORT: '99999', APP_ENV: 'qa', API_KEY: 'short-secret' });
    assert.equal(result.exitCode, 1);
    const lines = result.stdoutLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.event, 'config_invalid');
    assert.equal(line?.level, 'fatal');
    assert.match(String(line?.message), /^Invalid configuration \(3 problems\): .*APP_ENV: .*APP_PORT: .*API_KEY: /);
    assert.ok(!result.stdoutLines.join('\n').includes('short-secret'));
  });

  it('documents every variable it reads in .env.example and the README', () => {
    const appDir = resolve(__dirname, '../..');
    const envExample = readFileSync(resolve(appDir, '.env.example'), 'utf8');
    const readme = readFileSync(resolve(appDir, 'README.md'), 'utf8');
    for (const variable of Object.keys(environmentSchema.shape)) {
      assert.match(envExample, new RegExp(`^(# )?${variable}=`, 'm'), `.env.example: ${variable}`);
      assert.ok(readme.includes(`\`${variable}\``), `README: ${variable}`);
    }
  });
});

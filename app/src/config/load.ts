import { X509Certificate } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { crossFieldProblems, environmentSchema, type RawEnvironment } from './schema.js';
import type { SamplerSettings } from '../telemetry/sampler-settings.js';

export type AppEnvironment = RawEnvironment['APP_ENV'];

/** A credential is either given inline or read from a mounted file each time it is needed (files can rotate). */
export type CredentialSource = { kind: 'value'; value: string } | { kind: 'file'; path: string };

/**
 * How the service gets its Vault token. AppRole and Kubernetes log in at auth/<mount>/login; a given token is only
 * looked up. The AppRole mount is VaultConfig.approleMount (it predates the other methods and code outside the
 * service reads it there); the Kubernetes mount lives with the rest of that method's settings.
 */
export type VaultAuthConfig =
  | { method: 'token'; token: CredentialSource }
  | { method: 'approle'; roleId: CredentialSource; secretId: CredentialSource; secretIdWrapped: boolean }
  | {
      method: 'kubernetes';
      /** VAULT_KUBERNETES_MOUNT: logins go to auth/<mount>/login. */
      mount: string;
      role: string;
      /** The projected ServiceAccount token: a file only, re-read at every login because the kubelet rotates it. */
      tokenFile: string;
    };

export interface VaultConfig {
  url: string;
  auth: VaultAuthConfig;
  /** The AppRole auth mount (VAULT_APPROLE_MOUNT): logins go to auth/<mount>/login. */
  approleMount: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace. */
  namespace: string | undefined;
  /** PEM of the CA that signs Vault's certificate, read once at start (a CA change rolls the pods). */
  caCert: string | undefined;
  mountPoint: string;
  secretPath: string;
  requestTimeoutMs: number;
}

export interface AppConfig {
  name: string;
  environment: AppEnvironment;
  version: string;
  host: string;
  port: number;
  log: { level: RawEnvironment['LOG_LEVEL']; format: RawEnvironment['LOG_FORMAT'] };
  tracing: { enabled: boolean; endpoint: string; serviceName: string; sampler: SamplerSettings };
  /** Serve the OpenAPI UI at /docs: DOCS_ENABLED, and never in production. */
  docsEnabled: boolean;
  vault: VaultConfig | undefined;
  /** The API key used when Vault is off; undefined means "no key configured". */
  staticApiKey: string | undefined;
  shutdown: { delaySeconds: number; drainSeconds: number; timeoutSeconds: number };
  limits: {
    bodyLimitBytes: number;
    maxItems: number;
    maxEventLoopDelayMs: number;
    maxEventLoopUtilization: number;
    maxHeapUsedPercent: number;
    loadShedWarmupSeconds: number;
  };
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
  }
}

export function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((problem) => `${problem.variable}: ${problem.message}`);
  return `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${lines.join('; ')}`;
}

export interface FileAccess {
  read(path: string): string;
  isReadable(path: string): boolean;
}

export const nodeFileAccess: FileAccess = {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- paths come from the service's environment (API_KEY_FILE, VAULT_CA_CERT_FILE, credential files), set by the operator, never from a request
  read: (path) => readFileSync(path, 'utf8'),
  isReadable: (path) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/**
 * Validates every variable at once and throws one ConfigError listing all problems.
 * Values are never echoed in messages, because several of these variables are secrets.
 */
export function loadConfig(env: NodeJS.ProcessEnv, files: FileAccess = nodeFileAccess): AppConfig {
  // Each variable is parsed on its own so that one bad value does not hide the others.
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [variable, schema] of Object.entries(environmentSchema.shape)) {
    const result = (schema as z.ZodType).safeParse(env[variable]);
    if (result.success) values[variable] = result.data;
    else problems.push({ variable, message: result.error.issues[0]?.message ?? 'is invalid' });
  }
  const raw = values as RawEnvironment;
  problems.push(...crossFieldProblems(raw));

  const fileVariables = [
    'API_KEY_FILE',
    'VAULT_TOKEN_FILE',
    'VAULT_ROLE_ID_FILE',
    'VAULT_SECRET_ID_FILE',
    'VAULT_CA_CERT_FILE',
    'VAULT_KUBERNETES_TOKEN_FILE',
  ] as const;
  for (const variable of fileVariables) {
    const path = raw[variable];
    const usedByVault = variable !== 'API_KEY_FILE';
    // The projected token is checked only when the Kubernetes method reads it: with another method the path may
    // name a volume the pod does not mount.
    const used = variable === 'VAULT_KUBERNETES_TOKEN_FILE' ? raw.VAULT_AUTH_METHOD === 'kubernetes' : true;
    if (path !== undefined && used && (!usedByVault || raw.VAULT_ENABLED) && !files.isReadable(path)) {
      problems.push({ variable, message: `file ${path} does not exist or is not readable` });
    }
  }

  let staticApiKey: string | undefined = raw.API_KEY;
  if (raw.API_KEY_FILE !== undefined && problems.every((problem) => problem.variable !== 'API_KEY_FILE')) {
    staticApiKey = files.read(raw.API_KEY_FILE).trim();
    if (staticApiKey === '') problems.push({ variable: 'API_KEY_FILE', message: `file ${raw.API_KEY_FILE} is empty` });
  }
  if (staticApiKey !== undefined && staticApiKey.length < 16) {
    problems.push({ variable: raw.API_KEY_FILE ? 'API_KEY_FILE' : 'API_KEY', message: 'the API key must be at least 16 characters' });
  }

  let caCert: string | undefined;
  if (raw.VAULT_ENABLED && raw.VAULT_CA_CERT_FILE !== undefined && problems.every((problem) => problem.variable !== 'VAULT_CA_CERT_FILE')) {
    caCert = files.read(raw.VAULT_CA_CERT_FILE);
    const problem = certificateProblem(caCert);
    if (problem !== undefined) problems.push({ variable: 'VAULT_CA_CERT_FILE', message: `file ${raw.VAULT_CA_CERT_FILE} ${problem}` });
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    name: raw.APP_NAME,
    environment: raw.APP_ENV,
    version: raw.APP_VERSION,
    host: raw.APP_HOST,
    port: raw.APP_PORT,
    log: { level: raw.LOG_LEVEL, format: raw.LOG_FORMAT },
    docsEnabled: raw.DOCS_ENABLED && raw.APP_ENV !== 'production',
    tracing: {
      enabled: raw.OTEL_ENABLED,
      endpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: raw.OTEL_SERVICE_NAME ?? raw.APP_NAME,
      sampler: { name: raw.OTEL_TRACES_SAMPLER, ratio: raw.OTEL_TRACES_SAMPLER_ARG },
    },
    vault: raw.VAULT_ENABLED ? vaultConfig(raw, caCert) : undefined,
    staticApiKey: raw.VAULT_ENABLED ? undefined : staticApiKey,
    shutdown: { delaySeconds: raw.SHUTDOWN_DELAY_SECONDS, drainSeconds: raw.SHUTDOWN_DRAIN_SECONDS, timeoutSeconds: raw.SHUTDOWN_TIMEOUT_SECONDS },
    limits: {
      bodyLimitBytes: raw.BODY_LIMIT_BYTES,
      maxItems: raw.ITEMS_MAX_COUNT,
      maxEventLoopDelayMs: raw.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: raw.LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION,
      maxHeapUsedPercent: raw.LOAD_SHED_MAX_HEAP_USED_PERCENT,
      loadShedWarmupSeconds: raw.LOAD_SHED_WARMUP_SECONDS,
    },
  };
}

function credential(value: string | undefined, path: string | undefined): CredentialSource {
  if (value !== undefined) return { kind: 'value', value };
  if (path !== undefined) return { kind: 'file', path };
  // crossFieldProblems guarantees one of the two is present before this runs.
  throw new Error('credential source missing');
}

/** A CA file that is not a certificate would only show up later as an opaque TLS error on every login. */
function certificateProblem(pem: string): string | undefined {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return 'holds no PEM certificate';
  try {
    new X509Certificate(pem);
    return undefined;
  } catch {
    return 'holds a PEM block that is not a valid certificate';
  }
}

function vaultAuth(raw: RawEnvironment): VaultAuthConfig {
  switch (raw.VAULT_AUTH_METHOD) {
    case 'token':
      return { method: 'token', token: credential(raw.VAULT_TOKEN, raw.VAULT_TOKEN_FILE) };
    case 'kubernetes':
      // crossFieldProblems guarantees the role and the token file are present before this runs.
      return {
        method: 'kubernetes',
        mount: raw.VAULT_KUBERNETES_MOUNT,
        role: raw.VAULT_KUBERNETES_ROLE as string,
        tokenFile: raw.VAULT_KUBERNETES_TOKEN_FILE as string,
      };
    case 'approle':
      return {
        method: 'approle',
        roleId: credential(raw.VAULT_ROLE_ID, raw.VAULT_ROLE_ID_FILE),
        secretId: credential(raw.VAULT_SECRET_ID, raw.VAULT_SECRET_ID_FILE),
        secretIdWrapped: raw.VAULT_SECRET_ID_WRAPPED,
      };
  }
}

function vaultConfig(raw: RawEnvironment, caCert: string | undefined): VaultConfig {
  return {
    url: raw.VAULT_URL as string,
    auth: vaultAuth(raw),
    approleMount: raw.VAULT_APPROLE_MOUNT,
    namespace: raw.VAULT_NAMESPACE,
    caCert,
    mountPoint: raw.VAULT_MOUNT_POINT,
    secretPath: raw.VAULT_SECRET_PATH as string,
    requestTimeoutMs: raw.VAULT_REQUEST_TIMEOUT_MS,
  };
}

import { z } from 'zod';
import { SAMPLER_NAMES } from '../telemetry/sampler-settings.js';

/** Environment variables arrive as strings; these helpers turn them into typed values with readable errors. */
const booleanFlag = (defaultValue: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be one of true, false, 1, 0, yes, no' })
    .default(defaultValue ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1' || value === 'yes');

const integerInRange = (min: number, max: number, defaultValue: number) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((value, ctx) => {
      const parsed = Number(value);
      if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer between ${min} and ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const numberInRange = (min: number, max: number, defaultValue: number) =>
  z
    .string()
    .default(String(defaultValue))
    .transform((value, ctx) => {
      const parsed = Number(value);
      if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be a number between ${min} and ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

/** A Vault auth mount path such as "approle" or "kubernetes/cluster-a": the segment of auth/<mount>/login. */
const authMountPath = (example: string) =>
  z
    .string()
    // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, `must be a Vault auth mount path such as "${example}"`)
    .default(example);

/** Kubernetes object names double as Vault paths and service names, so the same safe charset is enforced. */
const serviceName = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- the optional group is bounded (at most 62 characters): no unbounded nested repetition
  .regex(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/, 'must be 1-63 lowercase letters, digits, ".", "_" or "-"');

export const environmentSchema = z.object({
  APP_NAME: serviceName.default('items-api'),
  APP_ENV: z
    .enum(['development', 'staging', 'production'], { error: 'must be one of development, staging, production' })
    .default('development'),
  APP_VERSION: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters').default('0.0.0-dev'),
  APP_HOST: z.string().min(1).default('0.0.0.0'),
  // 0 asks the OS for a free port (tests); application_started logs the port actually bound.
  APP_PORT: integerInRange(0, 65535, 8000),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).default('json'),

  // The stack's per-environment docs switch; production never serves /docs whatever this says.
  DOCS_ENABLED: booleanFlag(true),

  OTEL_ENABLED: booleanFlag(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl.default('http://localhost:4318'),
  OTEL_SERVICE_NAME: optionalText,
  // The standard sampler variables, read here rather than by the SDK: request tracing applies the sampler before
  // it asks the SDK for a span (telemetry/request-sampling.ts). An unknown value is an error, not the SDK's
  // silent fallback to sampling everything.
  OTEL_TRACES_SAMPLER: z.enum(SAMPLER_NAMES, { error: `must be one of ${SAMPLER_NAMES.join(', ')}` }).default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: numberInRange(0, 1, 1),

  VAULT_ENABLED: booleanFlag(false),
  VAULT_URL: optionalText.pipe(httpUrl.optional()),
  VAULT_AUTH_METHOD: z.enum(['token', 'approle', 'kubernetes'], { error: 'must be token, approle or kubernetes' }).default('approle'),
  VAULT_TOKEN: optionalText,
  VAULT_TOKEN_FILE: optionalText,
  VAULT_ROLE_ID: optionalText,
  VAULT_ROLE_ID_FILE: optionalText,
  VAULT_SECRET_ID: optionalText,
  VAULT_SECRET_ID_FILE: optionalText,
  VAULT_SECRET_ID_WRAPPED: booleanFlag(false),
  // The AppRole auth mount the stack created or was given (vault.approleMount.path).
  VAULT_APPROLE_MOUNT: authMountPath('approle'),
  // Kubernetes auth: the mount, the Vault role bound to the pod's ServiceAccount, and the projected token file.
  // The token has no inline variant on purpose: the kubelet rotates it in the file, so only the file is current.
  VAULT_KUBERNETES_MOUNT: authMountPath('kubernetes'),
  VAULT_KUBERNETES_ROLE: optionalText.pipe(
    z
      .string()
      // Vault's own rule for role names (a word character at each end, no "/"): the role is one path segment.
      // eslint-disable-next-line security/detect-unsafe-regex -- the optional group is bounded (at most 127 characters): no unbounded nested repetition
      .regex(/^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9_])?$/, 'must be a Vault role name such as "items-api" (letters, digits, "_", "." or "-", no "/")')
      .optional(),
  ),
  VAULT_KUBERNETES_TOKEN_FILE: optionalText,
  // Vault Enterprise / HCP namespace, sent as X-Vault-Namespace on every call; unset for open-source Vault.
  VAULT_NAMESPACE: optionalText.pipe(
    z
      .string()
      // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, 'must be a Vault namespace path such as "admin/team-a"')
      .optional(),
  ),
  // PEM file of the CA that signed Vault's listener certificate; when set, only this CA is trusted for Vault.
  VAULT_CA_CERT_FILE: optionalText,
  VAULT_MOUNT_POINT: z
    .string()
    // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a Vault mount path such as "secret"')
    .default('secret'),
  VAULT_SECRET_PATH: optionalText.pipe(
    z
      .string()
      // eslint-disable-next-line security/detect-unsafe-regex -- each repetition starts with '/', which the segment's class excludes: one way to split, linear time
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'must be a KV path such as "items-api"')
      .optional(),
  ),
  VAULT_REQUEST_TIMEOUT_MS: integerInRange(100, 60000, 5000),

  API_KEY: optionalText,
  API_KEY_FILE: optionalText,

  SHUTDOWN_DELAY_SECONDS: numberInRange(0, 25, 5),
  // After the listener closed, in-flight requests get this long; then slow or silent connections are closed.
  SHUTDOWN_DRAIN_SECONDS: numberInRange(1, 59, 10),
  SHUTDOWN_TIMEOUT_SECONDS: numberInRange(1, 60, 20),
  BODY_LIMIT_BYTES: integerInRange(1024, 10 * 1024 * 1024, 65536),
  ITEMS_MAX_COUNT: integerInRange(1, 10_000_000, 100_000),
  // Shedding is for real overload only. Event-loop delay: a mean over one second of twice the 1 s p99 latency
  // objective means every request already waits longer than the objective allows. Utilization is off by
  // default: a loop busy 100% of the time still serves thousands of requests per second at a good p99.
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: integerInRange(0, 60000, 2000),
  LOAD_SHED_MAX_EVENT_LOOP_UTILIZATION: numberInRange(0, 1, 0),
  // Heap in use as a percentage of V8's heap limit (--max-old-space-size): near it, GC thrashes before an OOM.
  LOAD_SHED_MAX_HEAP_USED_PERCENT: integerInRange(0, 100, 90),
  // Start-up (JIT, module loading, first connections) looks like load; nothing is shed this long after start.
  LOAD_SHED_WARMUP_SECONDS: integerInRange(0, 600, 30),
});

export type RawEnvironment = z.infer<typeof environmentSchema>;

/**
 * Rules that involve more than one variable; each returns the variable to blame and why. Variables that failed
 * their own validation are absent (undefined) here, and rules depending on them stay quiet.
 */
export function crossFieldProblems(env: RawEnvironment): Array<{ variable: string; message: string }> {
  const problems: Array<{ variable: string; message: string }> = [];
  const exclusive = (direct: keyof RawEnvironment, file: keyof RawEnvironment) => {
    if (env[direct] !== undefined && env[file] !== undefined) {
      problems.push({ variable: direct, message: `set either ${direct} or ${file}, not both` });
    }
  };
  exclusive('API_KEY', 'API_KEY_FILE');
  if (env.SHUTDOWN_DRAIN_SECONDS !== undefined && env.SHUTDOWN_TIMEOUT_SECONDS !== undefined && env.SHUTDOWN_DRAIN_SECONDS >= env.SHUTDOWN_TIMEOUT_SECONDS) {
    problems.push({ variable: 'SHUTDOWN_DRAIN_SECONDS', message: 'must be less than SHUTDOWN_TIMEOUT_SECONDS (the rest is for flushing telemetry)' });
  }
  exclusive('VAULT_TOKEN', 'VAULT_TOKEN_FILE');
  exclusive('VAULT_ROLE_ID', 'VAULT_ROLE_ID_FILE');
  exclusive('VAULT_SECRET_ID', 'VAULT_SECRET_ID_FILE');

  if (env.VAULT_ENABLED) {
    if (env.VAULT_URL === undefined) problems.push({ variable: 'VAULT_URL', message: 'is required when VAULT_ENABLED=true' });
    if (env.VAULT_SECRET_PATH === undefined) {
      problems.push({ variable: 'VAULT_SECRET_PATH', message: 'is required when VAULT_ENABLED=true' });
    }
    const requireOneOf = (direct: keyof RawEnvironment, file: keyof RawEnvironment) => {
      if (env[direct] === undefined && env[file] === undefined) {
        problems.push({ variable: direct, message: `${direct} or ${file} is required when VAULT_AUTH_METHOD=${env.VAULT_AUTH_METHOD}` });
      }
    };
    // A variable that failed its own validation is absent (not undefined): its own message already names it.
    const require = (variable: keyof RawEnvironment) => {
      if (variable in env && env[variable] === undefined) {
        problems.push({ variable, message: `is required when VAULT_AUTH_METHOD=${env.VAULT_AUTH_METHOD}` });
      }
    };
    if (env.VAULT_AUTH_METHOD === 'token') {
      requireOneOf('VAULT_TOKEN', 'VAULT_TOKEN_FILE');
    } else if (env.VAULT_AUTH_METHOD === 'kubernetes') {
      require('VAULT_KUBERNETES_ROLE');
      require('VAULT_KUBERNETES_TOKEN_FILE');
    } else if (env.VAULT_AUTH_METHOD === 'approle') {
      requireOneOf('VAULT_ROLE_ID', 'VAULT_ROLE_ID_FILE');
      requireOneOf('VAULT_SECRET_ID', 'VAULT_SECRET_ID_FILE');
    }
  } else if (env.APP_ENV !== undefined && env.APP_ENV !== 'development' && env.API_KEY === undefined && env.API_KEY_FILE === undefined) {
    problems.push({
      variable: 'API_KEY',
      message: `API_KEY or API_KEY_FILE is required in ${env.APP_ENV} when VAULT_ENABLED=false (writes must be authenticated)`,
    });
  }
  return problems;
}

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { declareConfigMap, declareOneShotJob, declareSecret } from "../k8s/controllers";
import { mountOf, secretMount } from "../k8s/mounts";
import { type WorkloadIdentity, checksumOf } from "../k8s/objectMeta";
import { DEFAULT_RUN_AS, ONE_SHOT_RESOURCES, type SecureContainerArgs } from "../k8s/podSpec";

/** One HTTP call of a setup plan. Every call must be an upsert (PUT, or a POST the API treats as one). */
export interface SetupRequest {
  method: "PUT" | "POST";
  path: string;
  /** Plain JSON goes to a ConfigMap; a body holding a password is an Output and goes to a Secret. */
  body: object | pulumi.Output<object>;
}

// eslint-disable-next-line security/detect-non-literal-fs-filename -- a script shipped beside this module, found from __dirname
export const APPLY_SCRIPT = fs.readFileSync(path.join(__dirname, "scripts", "apply-requests.sh"), "utf8");
const SCRIPT_FILE = "apply-requests.sh";
const PLAN_FILE = "plan.tsv";
const REQUESTS_DIR = "/setup";
const CA_DIR = "/etc/blueprint/ca";
const CREDENTIALS_DIR = "/etc/blueprint/credentials";
const CURL_CONFIG_FILE = "curlrc";

export interface PlanFiles {
  plan: string;
  publicBodies: Record<string, string>;
  secretBodies: Record<string, pulumi.Output<string>>;
}

function bodyFileName(index: number, request: SetupRequest): string {
  const slug = request.path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `${String(index + 1).padStart(2, "0")}-${slug}.json`;
}

/** The plan as files: plan.tsv lists method, path and body file in order; bodies are split by secrecy. */
export function planFiles(requests: SetupRequest[]): PlanFiles {
  const files: PlanFiles = { plan: "", publicBodies: {}, secretBodies: {} };
  requests.forEach((request, index) => {
    const file = bodyFileName(index, request);
    files.plan += `${request.method}\t${request.path}\t${file}\n`;
    if (pulumi.Output.isInstance(request.body)) files.secretBodies[file] = pulumi.secret(pulumi.jsonStringify(request.body));
    else files.publicBodies[file] = JSON.stringify(request.body, null, 2);
  });
  return files;
}

/**
 * A digest of the secret bodies that says only "they changed": an HMAC under a key generated for this Job
 * and kept secret in state. A plain hash would let anyone who reads the Job (its annotations are not
 * secret) test password guesses offline; without the key the digest tells nothing about the bodies.
 */
export function secretBodiesDigest(key: string, bodies: Record<string, string>): string {
  const ordered = Object.keys(bodies)
    .sort()
    .map((file) => [file, bodies[file]]);
  return createHmac("sha256", key).update(JSON.stringify(ordered)).digest("hex");
}

/**
 * The digest of secret files (a Job's secret bodies, say) as a plain (non-secret) Output, to put on a pod
 * template so a change rolls the pods; see secretBodiesDigest.
 */
export function secretBodiesChecksum(name: string, bodies: Record<string, pulumi.Output<string>>, parent: pulumi.Resource): pulumi.Output<string> {
  const key = new random.RandomBytes(`${name}-checksum-key`, { length: 32 }, { parent }).hex;
  const entries = Object.entries(bodies);
  const digest = pulumi.all([pulumi.secret(key), ...entries.map(([, body]) => body)]).apply(([hmacKey, ...values]) =>
    secretBodiesDigest(hmacKey, Object.fromEntries(entries.map(([file], index) => [file, values[index]]))),
  );
  // Safe to show: keyed, so it reveals nothing about the bodies (the key never leaves the secret state).
  return pulumi.unsecret(digest);
}

export interface SetupJobArgs {
  identity: WorkloadIdentity;
  /** Any image with bash and curl; the script runs as DEFAULT_RUN_AS, since it needs none of the image's own files. */
  image: string;
  serviceAccountName: pulumi.Input<string>;
  baseUrl: string;
  /** Polled (authenticated) until it answers 2xx before the first request. */
  readyPath: string;
  /**
   * The key of a Secret holding a curl config (`user = "name:password"`) to log in with: mounted as a file and
   * given to curl with `--config`, so the password is in no env var and in no process's argv.
   */
  curlConfigSecret: { name: string; key: string };
  /** A Secret with `ca.crt`, the CA that signed the server's certificate. */
  caSecretName: string;
  requests: SetupRequest[];
  dependsOn: pulumi.Resource[];
}

/**
 * A Job that applies a typed request plan with curl. The script is fixed; only the data differs. A change
 * to the plan changes the template's checksum, so Pulumi replaces the Job and it runs again.
 */
export function declareSetupJob(args: SetupJobArgs, parent: pulumi.Resource): k8s.batch.v1.Job {
  const { identity } = args;
  const files = planFiles(args.requests);
  const configMap = declareConfigMap(identity, `${identity.name}-plan`, { [SCRIPT_FILE]: APPLY_SCRIPT, [PLAN_FILE]: files.plan, ...files.publicBodies }, { parent });
  const secretName = `${identity.name}-secret-bodies`;
  const hasSecrets = Object.keys(files.secretBodies).length > 0;
  const secrets = hasSecrets ? [declareSecret(identity, secretName, files.secretBodies, { parent, resourceName: secretName })] : [];
  const checksums: Record<string, pulumi.Input<string>> = {
    plan: checksumOf([APPLY_SCRIPT, files.plan, files.publicBodies]),
    // A changed password changes only a secret body: without this the Job would not run again to apply it.
    ...(hasSecrets ? { "secret-bodies": secretBodiesChecksum(identity.name, files.secretBodies, parent) } : {}),
  };
  const mounts = [
    mountOf(
      { name: "plan", projected: { defaultMode: 0o440, sources: [{ configMap: { name: configMap.metadata.name } }, ...(hasSecrets ? [{ secret: { name: secretName } }] : [])] } },
      REQUESTS_DIR,
    ),
    secretMount("ca", args.caSecretName, CA_DIR),
    // Only the one key this Job logs in with.
    secretMount("credentials", args.curlConfigSecret.name, CREDENTIALS_DIR, { items: [{ key: args.curlConfigSecret.key, path: CURL_CONFIG_FILE }] }),
  ];
  const container: SecureContainerArgs = {
    name: identity.name,
    image: args.image,
    resources: ONE_SHOT_RESOURCES,
    command: ["bash", `${REQUESTS_DIR}/${SCRIPT_FILE}`],
    env: [
      { name: "BASE_URL", value: args.baseUrl },
      { name: "READY_PATH", value: args.readyPath },
      { name: "CA_FILE", value: `${CA_DIR}/ca.crt` },
      { name: "REQUESTS_DIR", value: REQUESTS_DIR },
      { name: "CURL_CONFIG_FILE", value: `${CREDENTIALS_DIR}/${CURL_CONFIG_FILE}` },
    ],
    mounts,
  };
  return declareOneShotJob(
    { identity, container, runAs: DEFAULT_RUN_AS, serviceAccountName: args.serviceAccountName, backoffLimit: 4, checksums },
    { parent, dependsOn: [configMap, ...secrets, ...args.dependsOn] },
  );
}

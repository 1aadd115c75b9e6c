/**
 * The S3 state backend (Pulumi's DIY backend), scoped per stack: which objects one stack's state is made of, the
 * IAM policies of its deploy and preview roles, and the GitHub OIDC trust of each role. Pure builders: the
 * operator creates the roles from these documents; nothing here calls AWS.
 *
 * The layout is the one the Pulumi CLI (v3.274.1, pkg/backend/diy) writes for a project-mode state
 * (`.pulumi/meta.yaml` with `version: 1`, what a new bucket gets):
 *   store.go  StackBasePath  .pulumi/stacks/<project>/<stack>           + .json (.json.gz / .json.zst when compressed)
 *             HistoryDir     .pulumi/history/<project>/<stack>/         <stack>-<unixnano>.history.json and .checkpoint.json
 *             BackupDir      .pulumi/backups/<project>/<stack>/         <stack>.<unixnano>.json
 *   state.go  backupTarget   <stack file>.bak                           (a copy of the previous checkpoint, each save)
 *   lock.go   stackLockDir   .pulumi/locks/organization/<project>/<stack>/<lock id>.json  (the stack's fully
 *                                                                        qualified name, organization/<project>/<stack>)
 *   stack_tags.go            .pulumi/stacks/<project>/<stack>.pulumi-tags
 *   meta.go                  .pulumi/meta.yaml                           (read by every command, every stack)
 * test/e2e/cluster-stack.e2e.ts checks that every object the CLI leaves for its stack lies under these.
 *
 * What the CLI lists (ListObjectsV2, delimiter "/") and so what `s3:prefix` must allow: the stack file's own
 * key as a prefix (state.go stackPath, to find the .json/.gz/.zst variant), the stack's lock directory
 * (lock.go, before every update), its history directory (`pulumi stack history`, rollback) and its backup
 * directory (`pulumi stack rm`). It also lists `.pulumi/stacks/` when it opens the backend, only to warn
 * about legacy stack files, and ignores a refusal there; PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=1 skips it.
 *
 * S3 answers a read of a missing key with 403, not 404, to a caller without an unconditional s3:ListBucket, and
 * the CLI reads the stack's tags file on every update and preview: so each stack is created with one tag
 * (`pulumi stack tag set …`), which writes the file, before these roles use it.
 */
import { PROJECT } from "../components/stackConfig";
import { type CiEnvironment, CI_WORKFLOWS, githubEnvironment } from "./names";

export const STATE_DIR = ".pulumi";
/** Objects every stack's commands read and none writes after the bucket's first login. */
export const SHARED_STATE_OBJECTS = [`${STATE_DIR}/meta.yaml`] as const;

/** The suffixes the CLI may give one stack's checkpoint (encoding.go: plain, gzip, zstd) and their .bak copies. */
const CHECKPOINT_SUFFIXES = [".json", ".json.gz", ".json.zst"] as const;

export interface StackStateLayout {
  stack: string;
  project: string;
  /** Exact keys under .pulumi/stacks/: the checkpoint in each encoding, its .bak, and the tags file. */
  stackObjects: string[];
  /** Directories (ending in "/") that hold only this stack's objects. */
  history: string;
  backups: string;
  locks: string;
  /** Every prefix an object of this stack starts with: stackObjects and the three directories. */
  prefixes: string[];
  /** The `prefix` values the CLI lists this stack's objects with (the `s3:prefix` condition values). */
  listPrefixes: string[];
}

/** Stack names the CLI accepts (tokens.ParseStackName); anything else could step outside its own prefixes. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function stackStateLayout(stack: string, project: string = PROJECT): StackStateLayout {
  if (!STACK_NAME.test(stack)) throw new Error(`stateBackend: '${stack}' is not a Pulumi stack name`);
  const base = `${STATE_DIR}/stacks/${project}/${stack}`;
  const stackObjects = [...CHECKPOINT_SUFFIXES.flatMap((suffix) => [`${base}${suffix}`, `${base}${suffix}.bak`]), `${base}.pulumi-tags`];
  const history = `${STATE_DIR}/history/${project}/${stack}/`;
  const backups = `${STATE_DIR}/backups/${project}/${stack}/`;
  const locks = `${STATE_DIR}/locks/organization/${project}/${stack}/`;
  return {
    stack,
    project,
    stackObjects,
    history,
    backups,
    locks,
    prefixes: [...stackObjects, history, backups, locks],
    listPrefixes: [`${base}.json`, history, backups, locks],
  };
}

/** Whether a key is one of this stack's objects. Directory prefixes match below them; stack files match exactly. */
export function belongsToStack(key: string, layout: StackStateLayout): boolean {
  return layout.stackObjects.includes(key) || [layout.history, layout.backups, layout.locks].some((prefix) => key.startsWith(prefix));
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
/** Object ARNs: exact keys as they are, directory prefixes with a trailing wildcard. */
const objectArns = (bucket: string, keysOrPrefixes: readonly string[]) => keysOrPrefixes.map((key) => `${bucketArn(bucket)}/${key}${key.endsWith("/") ? "*" : ""}`);

function listStatement(bucket: string, layout: StackStateLayout): PolicyStatement {
  // StringEquals, not StringLike: the CLI lists with exactly these prefixes, and a wildcard would let a
  // stack named `staging` list `staging-old/` too.
  return { Sid: "ListOwnStack", Effect: "Allow", Action: ["s3:ListBucket"], Resource: bucketArn(bucket), Condition: { StringEquals: { "s3:prefix": layout.listPrefixes } } };
}

function sharedReadStatement(bucket: string): PolicyStatement {
  return { Sid: "ReadSharedMetadata", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(bucket, SHARED_STATE_OBJECTS) };
}

/**
 * The deploy role's policy (deploy.yml, rollback.yml): read and write this stack's state, history, backups and
 * locks; read the shared metadata; nothing of any other stack. DeleteObject: the CLI removes its lock after each
 * update and replaces the checkpoint through a copy (backupTarget).
 */
export function deployRolePolicy(bucket: string, stack: string): PolicyDocument {
  const layout = stackStateLayout(stack);
  return {
    Version: "2012-10-17",
    Statement: [
      listStatement(bucket, layout),
      sharedReadStatement(bucket),
      { Sid: "ReadWriteOwnStack", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: objectArns(bucket, layout.prefixes) },
    ],
  };
}

/**
 * The preview role's policy (preview.yml): read this stack's objects. A DIY preview takes no lock and writes no
 * history (backend.go: Preview, unlike Update, never calls Lock; apply saves history only when not a dry run).
 */
export function previewRolePolicy(bucket: string, stack: string): PolicyDocument {
  const layout = stackStateLayout(stack);
  return {
    Version: "2012-10-17",
    Statement: [listStatement(bucket, layout), sharedReadStatement(bucket), { Sid: "ReadOwnStack", Effect: "Allow", Action: ["s3:GetObject"], Resource: objectArns(bucket, layout.prefixes) }],
  };
}

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials asks GitHub for. */
export const AWS_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * The repository's OIDC subject template (PUT /repos/<owner>/<repo>/actions/oidc/customization/sub with
 * `{"use_default": false, "include_claim_keys": [...]}`). GitHub renders each key as `<key>:<value>`, in this
 * order, joined with ":"; `context` is the default subject's part after the repository, which for a job that
 * names an environment is `environment:<name>`. Source: GitHub Docs, "About security hardening with OpenID
 * Connect", section "Customizing the subject claims for an organization or repository", example "Requiring a
 * reusable workflow and other claims": keys [repo, context, job_workflow_ref] give
 * `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main`.
 * With `ref` added after `context`, the subject gains `:ref:<ref>` there. `job_workflow_ref` of a job in a
 * workflow that is not reusable is the workflow itself: `<owner>/<repo>/<workflow path>@<ref>`.
 */
export const GITHUB_SUBJECT_CLAIM_KEYS = ["repo", "context", "ref", "job_workflow_ref"] as const;

export interface GitHubRepository {
  owner: string;
  repo: string;
}

/** The `sub` of a job under GITHUB_SUBJECT_CLAIM_KEYS (`ref` may hold an IAM wildcard, as for pull requests). */
export function githubSubject(repository: GitHubRepository, environment: string, ref: string, workflowFile: string): string {
  const full = `${repository.owner}/${repository.repo}`;
  return `repo:${full}:environment:${environment}:ref:${ref}:job_workflow_ref:${full}/${workflowFile}@${ref}`;
}

/** Deploys run only from main (deploy.yml on workflow_run, rollback.yml dispatched from main). */
export const DEPLOY_REF = "refs/heads/main";
/**
 * A pull request's merge ref. IAM's `*` also matches ":" and "/", but a git ref name can hold no ":", so it
 * cannot reach across into the job_workflow_ref part.
 */
export const PULL_REQUEST_REF = "refs/pull/*/merge";

/** The subjects each role trusts for one environment: deploy and rollback from main; previews of pull requests. */
export function trustedSubjects(repository: GitHubRepository, environment: CiEnvironment, job: "deploy" | "preview"): string[] {
  const ref = job === "deploy" ? DEPLOY_REF : PULL_REQUEST_REF;
  return CI_WORKFLOWS[job].map((workflow) => githubSubject(repository, githubEnvironment(environment, job), ref, workflow));
}

export interface TrustPolicyDocument {
  Version: "2012-10-17";
  Statement: {
    Effect: "Allow";
    Principal: { Federated: string };
    Action: "sts:AssumeRoleWithWebIdentity";
    Condition: Record<string, Record<string, string | string[]>>;
  }[];
}

/**
 * The role's trust policy: GitHub's OIDC provider in `accountId`, audience sts.amazonaws.com, and `sub` one of
 * the role's subjects. StringEquals where the subject has no wildcard, StringLike only for previews.
 */
export function trustPolicy(accountId: string, repository: GitHubRepository, environment: CiEnvironment, job: "deploy" | "preview"): TrustPolicyDocument {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`stateBackend: '${accountId}' is not an AWS account id`);
  const subjects = trustedSubjects(repository, environment, job);
  const subjectOperator = subjects.some((subject) => subject.includes("*")) ? "StringLike" : "StringEquals";
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}` },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: AWS_OIDC_AUDIENCE, ...(subjectOperator === "StringEquals" ? { [`${GITHUB_OIDC_HOST}:sub`]: subjects } : {}) },
          ...(subjectOperator === "StringLike" ? { StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: subjects } } : {}),
        },
      },
    ],
  };
}

/** The state role of one environment and job: `pulumi-state-deploy-staging`, `pulumi-state-preview-production`, … */
export function stateRoleName(environment: CiEnvironment, job: "deploy" | "preview"): string {
  return `pulumi-state-${job}-${environment}`;
}

/**
 * The names that cross between the CI identity program (Vault operators run it), the workflows
 * (.github/workflows), the stacks' secrets provider and the docs. One home for each, so a rename cannot leave
 * a workflow logging in to a role that no longer exists.
 */
export const CI_ENVIRONMENTS = ["staging", "production"] as const;
export type CiEnvironment = (typeof CI_ENVIRONMENTS)[number];

/** What a CI job does with its identity: `deploy` changes the environment (deploy.yml, rollback.yml), `preview` reads it. */
export const CI_JOBS = ["deploy", "preview"] as const;
export type CiJob = (typeof CI_JOBS)[number];

/** Vault's JWT auth mount that trusts GitHub's OIDC issuer. */
export const JWT_AUTH_MOUNT = "github-actions";

/** GitHub's OIDC issuer: the JWT mount's discovery URL and bound issuer. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** The JWT role a job logs in to: `pulumi-deploy-staging`, `pulumi-preview-production`, … */
export function ciRoleName(environment: CiEnvironment, job: CiJob): string {
  return `pulumi-${job}-${environment}`;
}

/** The role's policy. Named outside the blueprint's `blueprint-` prefix: no deploy identity can rewrite it. */
export function ciPolicyName(environment: CiEnvironment, job: CiJob): string {
  return `ci-pulumi-${job}-${environment}`;
}

/**
 * The audience a job asks GitHub for, unique per role: a token minted for one role (a preview's, say) is
 * refused by every other role even where its other claims would match.
 */
export function ciAudience(environment: CiEnvironment, job: CiJob): string {
  return `vault:production-blueprint:${environment}:${job}`;
}

/** The GitHub environment a job runs in. Previews have their own, so production's can require a reviewer. */
export function githubEnvironment(environment: CiEnvironment, job: CiJob): string {
  return job === "deploy" ? environment : `${environment}-preview`;
}

/** The transit secrets engine that holds one key per stack for Pulumi's state secrets. */
export const STATE_TRANSIT_MOUNT = "pulumi-state";

/** A stack's transit key: only that environment's roles may encrypt and decrypt with it. */
export function stateTransitKey(stack: string): string {
  return `production-blueprint-${stack}`;
}

/** The stack's secrets provider (`pulumi stack init --secrets-provider …`); VAULT_ADDR and VAULT_TOKEN come from the job. */
export function stateSecretsProvider(stack: string): string {
  return `hashivault://${stateTransitKey(stack)}?engine=${STATE_TRANSIT_MOUNT}`;
}

/** The workflow files whose jobs may hold each identity, relative to the repository root. */
export const CI_WORKFLOWS: Record<CiJob, readonly string[]> = {
  deploy: [".github/workflows/deploy.yml", ".github/workflows/rollback.yml"],
  preview: [".github/workflows/preview.yml"],
};

/** The ref a deploy or rollback runs from: only what is on `main` may hold a deploy identity. */
export const MAIN_BRANCH_REF = "refs/heads/main";

/** The ref of a pull request's preview run (GitHub's merge of the head into the base), any PR number. */
export const PULL_REQUEST_MERGE_REF = "refs/pull/*/merge";

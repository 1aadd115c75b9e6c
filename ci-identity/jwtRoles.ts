/**
 * The JWT roles GitHub's OIDC tokens log in to, one per environment and job. Every role binds the claims that
 * say which code is running and where: the repository (by id, which a rename or transfer does not reuse),
 * the GitHub environment (production's requires a reviewer), the ref and the workflow file. So a token from
 * a feature branch, another workflow, a pull request or another repository matches no deploy role.
 */
import { type CiEnvironment, type CiJob, CI_WORKFLOWS, MAIN_BRANCH_REF, PULL_REQUEST_MERGE_REF, ciAudience, ciPolicyName, ciRoleName, githubEnvironment } from "./names";

/**
 * Token lifetimes in seconds. The tokens are batch tokens, which cannot be renewed, so each must outlive the
 * job that holds it: deploy.yml and rollback.yml stop a job at 60 minutes (`timeout-minutes`), preview.yml
 * at 30. A job logs in after it has started, so a token as long as the job's timeout outlives the job, and
 * no longer: a token that leaked from a job's log is worthless once the job could no longer be running.
 */
export const CI_TOKEN_TTL_SECONDS: Record<CiJob, number> = { deploy: 60 * 60, preview: 30 * 60 };

/** The ref each job's runs come from. */
const JOB_REF: Record<CiJob, string> = { deploy: MAIN_BRANCH_REF, preview: PULL_REQUEST_MERGE_REF };

export interface GithubRepository {
  repository: string;
  repositoryId: number;
}

/** The role's inputs as `vault.jwt.AuthBackendRole` takes them, less the backend. */
export interface JwtRoleArgs {
  roleName: string;
  roleType: "jwt";
  userClaim: "sub";
  boundAudiences: string[];
  boundClaimsType: "glob";
  /** One value, or several separated by commas (the provider splits them; a match of any one suffices). */
  boundClaims: Record<string, string>;
  tokenType: "batch";
  tokenNoDefaultPolicy: true;
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
}

/** `<owner>/<repo>/<workflow file>@<ref>`, as GitHub writes `job_workflow_ref`. */
export function jobWorkflowRef(github: GithubRepository, workflowFile: string, ref: string): string {
  return `${github.repository}/${workflowFile}@${ref}`;
}

export function jwtRoleArgs(environment: CiEnvironment, job: CiJob, github: GithubRepository): JwtRoleArgs {
  const ref = JOB_REF[job];
  return {
    roleName: ciRoleName(environment, job),
    roleType: "jwt",
    userClaim: "sub",
    boundAudiences: [ciAudience(environment, job)],
    // glob: `refs/pull/*/merge` must match every pull request; the other values hold no `*` and match exactly.
    boundClaimsType: "glob",
    boundClaims: {
      repository_id: String(github.repositoryId),
      environment: githubEnvironment(environment, job),
      ref,
      job_workflow_ref: CI_WORKFLOWS[job].map((file) => jobWorkflowRef(github, file, ref)).join(","),
    },
    tokenType: "batch",
    tokenNoDefaultPolicy: true,
    tokenPolicies: [ciPolicyName(environment, job)],
    tokenTtl: CI_TOKEN_TTL_SECONDS[job],
    tokenMaxTtl: CI_TOKEN_TTL_SECONDS[job],
  };
}

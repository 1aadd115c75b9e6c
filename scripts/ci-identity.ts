import { stringify } from "yaml";
import { CI_ENVIRONMENTS, type CiEnvironment } from "../ci-identity/names";
import { previewRbac } from "../ci-identity/previewRbac";
import { deployRolePolicy, previewRolePolicy, stateRoleName, trustPolicy } from "../ci-identity/stateBackend";
import { kubernetesObjects } from "./lib/manifests";
import { runBlueprint } from "./lib/mockRun";
import { commandLine, defineCommand, usageError } from "./lib/usage";

/**
 * What the operators create outside Vault for CI, printed from the same builders the tests check against a
 * real API server and the Pulumi CLI's real state layout, so nobody copies a policy out of a page:
 * the state bucket's two IAM roles of a stack, and the preview identity's RBAC for a stack's cluster.
 */
export const CI_IDENTITY_COMMAND = defineCommand({
  command: "npm run ci-identity --",
  summary:
    "Prints, for one stack, the IAM trust and permission policies of its state roles (state-roles) or the Kubernetes RBAC of its preview identity (preview-rbac, YAML for kubectl apply -f -).",
  doc: "docs/ci-cd.md",
  positionals: { synopsis: "state-roles | preview-rbac", help: "what to print", count: 1 },
  options: {
    stack: { type: "string", value: "NAME", required: true, help: `the stack (${CI_ENVIRONMENTS.join(" or ")})` },
    repo: { type: "string", value: "OWNER/REPO", help: "state-roles: the GitHub repository whose jobs assume the roles" },
    bucket: { type: "string", value: "BUCKET", help: "state-roles: the state bucket" },
    account: { type: "string", value: "ACCOUNT_ID", help: "state-roles: the AWS account of GitHub's OIDC provider (12 digits)" },
  },
});

function stateRoles(stack: CiEnvironment, repo: string | undefined, bucket: string | undefined, account: string | undefined): string {
  const missing = [["--repo", repo], ["--bucket", bucket], ["--account", account]].filter(([, value]) => !value).map(([name]) => name);
  if (missing.length) usageError(CI_IDENTITY_COMMAND, `state-roles needs ${missing.join(", ")}`);
  const [owner, name, ...rest] = (repo as string).split("/");
  if (!owner || !name || rest.length) usageError(CI_IDENTITY_COMMAND, `--repo ${repo}: expected OWNER/REPO`);
  const repository = { owner, repo: name };
  const roles = (["deploy", "preview"] as const).map((job) => ({
    role: stateRoleName(stack, job),
    trustPolicy: trustPolicy(account as string, repository, stack, job),
    permissionPolicy: job === "deploy" ? deployRolePolicy(bucket as string, stack) : previewRolePolicy(bucket as string, stack),
  }));
  return JSON.stringify(roles, null, 2);
}

async function previewRbacYaml(stack: CiEnvironment): Promise<string> {
  const objects = kubernetesObjects((await runBlueprint(stack)).resources);
  return previewRbac(objects).objects.map((object) => stringify(object)).join("---\n");
}

async function main(): Promise<void> {
  const { values, positionals } = commandLine(CI_IDENTITY_COMMAND);
  const stack = values.stack as string;
  if (!(CI_ENVIRONMENTS as readonly string[]).includes(stack)) usageError(CI_IDENTITY_COMMAND, `--stack ${stack}: CI has identities for ${CI_ENVIRONMENTS.join(" and ")} only`);
  const what = positionals[0];
  if (what === "state-roles") console.log(stateRoles(stack as CiEnvironment, values.repo, values.bucket, values.account));
  else if (what === "preview-rbac") console.log(await previewRbacYaml(stack as CiEnvironment));
  else usageError(CI_IDENTITY_COMMAND, `'${what}': expected state-roles or preview-rbac`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`ci-identity: ${error.message}`);
    process.exit(1);
  });
}

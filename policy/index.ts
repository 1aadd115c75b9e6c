/**
 * The policy pack's entry: `pulumi preview --policy-pack policy`. Only this file constructs the
 * PolicyPack (constructing one starts the analyzer's gRPC server); every rule lives in a plain function
 * that the mocha tests call directly.
 */
import { type Policy, PolicyPack, type ResourceValidationPolicy, type StackValidationPolicy } from "@pulumi/policy";
import { type BlueprintPolicy, EXEMPTIONS_POLICY_NAME, POLICIES } from "./catalog";
import { evaluatePolicies, exemptionProblems, judgeObject, judgeStack } from "./evaluate";
import { describeObject } from "./kubernetes";
import { environmentFrom, kubernetesObjectOf, kubernetesObjectsOfStack } from "./sdkAdapter";

const context = { environment: environmentFrom(process.env) };

function toSdkPolicy(policy: BlueprintPolicy): ResourceValidationPolicy | StackValidationPolicy {
  const info: Policy = { name: policy.name, description: policy.description, enforcementLevel: "mandatory" };
  if (policy.scope === "object") {
    return {
      ...info,
      validateResource: (args, reportViolation) => {
        const object = kubernetesObjectOf(args);
        if (!object) return;
        for (const finding of judgeObject(policy, object, context).violations) reportViolation(`${describeObject(object)}: ${finding.message}`);
      },
    };
  }
  return {
    ...info,
    validateStack: (args, reportViolation) => {
      const entries = kubernetesObjectsOfStack(args.resources);
      const urns = new Map(entries.map(({ object, urn }) => [object, urn]));
      const objects = entries.map(({ object }) => object);
      for (const finding of judgeStack(policy, objects, context).violations) reportViolation(`${describeObject(finding.object)}: ${finding.message}`, urns.get(finding.object));
    },
  };
}

new PolicyPack("production-blueprint", {
  description: "The production-blueprint deployment checklist (docs/policy.md).",
  enforcementLevel: "mandatory",
  policies: [
    ...POLICIES.map(toSdkPolicy),
    {
      name: EXEMPTIONS_POLICY_NAME,
      description: "Exemption annotations name a policy of this pack and give a reason.",
      enforcementLevel: "mandatory",
      validateResource: (args, reportViolation) => {
        const object = kubernetesObjectOf(args);
        if (object) for (const problem of exemptionProblems(object)) reportViolation(`${describeObject(object)}: ${problem}`);
      },
    },
    {
      // Advisory, so every exemption in force shows in each preview (and its PR comment) without failing it.
      name: "exemptions-in-effect",
      description: "Lists each justified exemption with its reason.",
      enforcementLevel: "advisory",
      validateStack: (args, reportViolation) => {
        const entries = kubernetesObjectsOfStack(args.resources);
        const urns = new Map(entries.map(({ object, urn }) => [object, urn]));
        for (const exemption of evaluatePolicies(entries.map(({ object }) => object), context).exemptions) {
          reportViolation(`${describeObject(exemption.object)} is exempt from '${exemption.policy}': ${exemption.reason}`, urns.get(exemption.object));
        }
      },
    },
  ],
});

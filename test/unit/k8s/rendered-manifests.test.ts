import * as assert from "node:assert/strict";
import { restrictedViolations } from "../../../policy/checks/podSecurity";
import { podSpecOf } from "../../../policy/kubernetes";
import { objectsOf, objectsOfKind, STACKS, stackRun, type KubernetesObject } from "../../support/runs";
import { POD_SECURITY_EXEMPTION } from "../../../components/k8s/lintExemptions";

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models class for an object's apiVersion and kind (an ES module, hence the dynamic import). */
async function modelFor(object: KubernetesObject): Promise<Model> {
  const module = (await import(`kubernetes-models/${object.apiVersion}/${object.kind}`)) as Record<string, Model>;
  const model = module[object.kind];
  assert.ok(model, `kubernetes-models has no ${object.apiVersion} ${object.kind}`);
  return model;
}

const EXEMPTION_ANNOTATION = POD_SECURITY_EXEMPTION;

describe("rendered manifests", () => {
  it("are evaluated on Node 24, the project's runtime", () => {
    assert.equal(process.versions.node.split(".")[0], "24");
  });

  for (const stack of STACKS) {
    describe(`stack ${stack}`, () => {
      it("validate against the Kubernetes schemas (kubernetes-models)", async () => {
        const objects = objectsOf(await stackRun(stack));
        const failures: string[] = [];
        for (const object of objects) {
          try {
            new (await modelFor(object))(object).validate();
          } catch (error) {
            failures.push(`${object.kind}/${object.metadata.namespace ?? "-"}/${object.metadata.name}: ${(error as Error).message}`);
          }
        }
        assert.deepEqual(failures, []);
        assert.ok(objects.length >= 15, `expected the whole stack, got ${objects.length} objects`);
        console.log(`      ${stack}: ${objects.length} objects validated against the schemas`);
      });

      it("run every pod under the restricted Pod Security Standard, except in namespaces that record why not", async () => {
        const run = await stackRun(stack);
        const namespaces = new Map(objectsOfKind(run, "Namespace").map((namespace) => [namespace.metadata.name, namespace]));
        let checked = 0;
        const exempted: string[] = [];
        for (const object of objectsOf(run)) {
          const spec = podSpecOf(object);
          if (!spec) continue;
          const namespace = namespaces.get(object.metadata.namespace ?? "");
          assert.ok(namespace, `${object.kind} ${object.metadata.name} is in a namespace the stack does not declare`);
          const level = namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"];
          if (level !== "restricted") {
            const reason = namespace.metadata.annotations?.[EXEMPTION_ANNOTATION] ?? "";
            assert.ok(reason.length > 20, `namespace ${namespace.metadata.name} enforces '${level}' without a recorded reason`);
            exempted.push(`${object.kind}/${object.metadata.name}`);
            continue;
          }
          assert.deepEqual(restrictedViolations(spec), [], `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`);
          checked++;
        }
        assert.ok(checked >= 1);
        console.log(`      ${stack}: ${checked} pod templates meet "restricted"; exempt with a recorded reason: ${exempted.join(", ") || "none"}`);
      });
    });
  }
});

describe("the schema check itself", () => {
  it("rejects an object the API server would reject (a string where an integer belongs)", async () => {
    const run = await stackRun("staging");
    const deployment = structuredClone(objectsOfKind(run, "Deployment")[0]) as any;
    deployment.spec.template.spec.terminationGracePeriodSeconds = "thirty";
    const Deployment = await modelFor(deployment);
    assert.throws(() => new Deployment(deployment).validate(), /terminationGracePeriodSeconds/);
  });
});

describe("the restricted checker (policy/checks/podSecurity.ts)", () => {
  const compliant = () => ({
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "app", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    volumes: [{ name: "tmp", emptyDir: {} }],
  });

  it("accepts a compliant pod spec", () => {
    assert.deepEqual(restrictedViolations(compliant()), []);
  });

  const cases: Array<[string, (spec: any) => void, RegExp]> = [
    ["hostPath volumes", (spec) => spec.volumes.push({ name: "logs", hostPath: { path: "/var/log" } }), /volume 'logs' has type hostPath/],
    ["privilege escalation", (spec) => (spec.containers[0].securityContext.allowPrivilegeEscalation = true), /allowPrivilegeEscalation must be false/],
    ["a missing runAsNonRoot", (spec) => delete spec.securityContext.runAsNonRoot, /runAsNonRoot must be true/],
    ["capabilities not dropped", (spec) => (spec.containers[0].securityContext.capabilities = {}), /capabilities\.drop must include ALL/],
    ["added capabilities", (spec) => spec.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"], /may only hold NET_BIND_SERVICE, not SYS_ADMIN/],
    ["no seccomp profile", (spec) => delete spec.securityContext.seccompProfile, /seccompProfile must be RuntimeDefault or Localhost/],
    ["host networking", (spec) => (spec.hostNetwork = true), /hostNetwork must not be true/],
    ["privileged containers", (spec) => (spec.containers[0].securityContext.privileged = true), /privileged must not be true/],
    ["root UID", (spec) => (spec.containers[0].securityContext.runAsUser = 0), /runAsUser must not be 0/],
    ["host ports", (spec) => (spec.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), /hostPort must not be set/],
    ["unsafe sysctls", (spec) => (spec.securityContext.sysctls = [{ name: "vm.max_map_count", value: "262144" }]), /sysctl vm\.max_map_count/],
  ];
  for (const [what, breakIt, message] of cases) {
    it(`rejects ${what}`, () => {
      const spec = compliant();
      breakIt(spec);
      assert.ok(restrictedViolations(spec).some((violation) => message.test(violation)), JSON.stringify(restrictedViolations(spec)));
    });
  }
});

import { strict as assert } from "node:assert";
import { POD_SECURITY_EXEMPTION } from "../../../components/k8s/lintExemptions";
import { exemptionAnnotation } from "../../../policy/exemptions";
import { POLICIES, type ObjectPolicy } from "../../../policy/catalog";
import { exemptionProblems, judgeObject } from "../../../policy/evaluate";
import { productionHpaBelowMinimum } from "../../../policy/hpaMinimum";
import { imageReferenceProblem, unpinnedImages } from "../../../policy/imageTags";
import { ALLOW_LOAD_BALANCER, unannotatedLoadBalancers } from "../../../policy/loadBalancers";
import { missingProbes } from "../../../policy/probes";
import { missingRequestsAndLimits } from "../../../policy/requestsAndLimits";
import { securityContextViolations } from "../../../policy/restrictedSecurityContext";
import { compliantContainer, compliantPodSpec, object, workload } from "../../support/policyFixtures";

const production = { environment: "production" };

describe("policy: containers-have-probes", () => {
  it("passes a Deployment whose containers have readiness and liveness probes", () => {
    assert.deepEqual(missingProbes(workload("Deployment")), []);
  });
  it("names each missing probe of each long-running container (Deployment, StatefulSet, DaemonSet, Pod)", () => {
    const podSpec = compliantPodSpec([compliantContainer({ readinessProbe: undefined, livenessProbe: undefined })]);
    for (const kind of ["Deployment", "StatefulSet", "DaemonSet", "Pod"]) {
      assert.deepEqual(missingProbes(workload(kind, podSpec)), ["container 'api' has no readinessProbe", "container 'api' has no livenessProbe"], kind);
    }
  });
  it("does not hold run-to-completion Jobs or init containers to probes", () => {
    const noProbes = compliantContainer({ readinessProbe: undefined, livenessProbe: undefined });
    assert.deepEqual(missingProbes(workload("Job", compliantPodSpec([noProbes]))), []);
    assert.deepEqual(missingProbes(workload("Deployment", { ...compliantPodSpec(), initContainers: [{ ...noProbes, name: "init" }] })), []);
  });
});

describe("policy: containers-have-requests-and-limits", () => {
  it("passes containers that request and limit CPU and memory", () => {
    assert.deepEqual(missingRequestsAndLimits(workload("Deployment")), []);
  });
  it("names every missing request and limit, init containers and Jobs included", () => {
    const bare = compliantContainer({ name: "migrate", resources: { requests: { cpu: "10m" } } });
    assert.deepEqual(missingRequestsAndLimits(workload("Job", { ...compliantPodSpec(), initContainers: [bare] })), [
      "container 'migrate' has no resources.requests.memory, resources.limits.cpu, resources.limits.memory",
    ]);
  });
});

describe("policy: pod-security-restricted", () => {
  it("passes the pod spec the shared workload builder produces", () => {
    assert.deepEqual(securityContextViolations(workload("Deployment")), []);
  });
  it("fails a container that may escalate privileges or keeps its capabilities", () => {
    const loose = compliantContainer({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } });
    assert.deepEqual(securityContextViolations(workload("StatefulSet", compliantPodSpec([loose]))), [
      "container 'api': allowPrivilegeEscalation must be false",
      "container 'api': capabilities.drop must include ALL",
    ]);
  });
  it("checks CronJob pod templates too", () => {
    const cronJob = { ...workload("CronJob"), spec: { jobTemplate: { spec: { template: { spec: { ...compliantPodSpec(), hostNetwork: true } } } } } };
    assert.deepEqual(securityContextViolations(cronJob), ["hostNetwork must not be true"]);
  });
});

describe("policy: images-pinned", () => {
  it("accepts release tags, digests and registries with a port", () => {
    for (const ok of ["nginx:1.27.3", "ghcr.io/org/app:0.1.0", "localhost:5000/app:2", "ghcr.io/org/app@sha256:" + "a".repeat(64), "app:latest@sha256:" + "b".repeat(64)]) {
      assert.equal(imageReferenceProblem(ok), undefined, ok);
    }
  });
  it("rejects 'latest' and untagged references (a registry port is not a tag)", () => {
    assert.equal(imageReferenceProblem("nginx:latest"), "image 'nginx:latest' is tagged 'latest'");
    assert.equal(imageReferenceProblem("nginx"), "image 'nginx' has no tag, so it means 'latest'");
    assert.equal(imageReferenceProblem("localhost:5000/app"), "image 'localhost:5000/app' has no tag, so it means 'latest'");
  });
  it("reports each unpinned container and skips images not known until the update", () => {
    const podSpec = compliantPodSpec([compliantContainer({ image: "busybox" }), compliantContainer({ name: "built", image: {} })]);
    assert.deepEqual(unpinnedImages(workload("DaemonSet", podSpec)), ["container 'api': image 'busybox' has no tag, so it means 'latest'"]);
  });
});

describe("policy: production-hpa-min-replicas", () => {
  const hpa = (minReplicas?: number) => object("HorizontalPodAutoscaler", "api", { spec: { maxReplicas: 5, ...(minReplicas === undefined ? {} : { minReplicas }) } });
  it("passes minReplicas 2 in production and any minimum in staging", () => {
    assert.deepEqual(productionHpaBelowMinimum(hpa(2), production), []);
    assert.deepEqual(productionHpaBelowMinimum(hpa(1), { environment: "staging" }), []);
  });
  it("fails minReplicas 1, or an absent minReplicas (which means 1), in production", () => {
    assert.deepEqual(productionHpaBelowMinimum(hpa(1), production), ["minReplicas is 1; production needs at least 2"]);
    assert.deepEqual(productionHpaBelowMinimum(hpa(), production), ["minReplicas is 1; production needs at least 2"]);
  });
});

describe("policy: load-balancer-annotated", () => {
  const service = (type: string, annotations?: Record<string, string>) => object("Service", "api", { spec: { type } }, annotations);
  it("passes ClusterIP Services and LoadBalancers whose annotation gives a reason", () => {
    assert.deepEqual(unannotatedLoadBalancers(service("ClusterIP")), []);
    assert.deepEqual(unannotatedLoadBalancers(service("LoadBalancer", { [ALLOW_LOAD_BALANCER]: "public MQTT endpoint; TLS at the broker" })), []);
  });
  it("fails a LoadBalancer with no annotation or an empty reason", () => {
    assert.equal(unannotatedLoadBalancers(service("LoadBalancer")).length, 1);
    assert.equal(unannotatedLoadBalancers(service("LoadBalancer", { [ALLOW_LOAD_BALANCER]: "  " })).length, 1);
  });
});

describe("policy exemptions", () => {
  const probes = POLICIES.find((policy) => policy.name === "containers-have-probes") as ObjectPolicy;
  const noProbes = compliantPodSpec([compliantContainer({ readinessProbe: undefined, livenessProbe: undefined })]);
  it("an annotation with a reason exempts the object from that one policy", () => {
    const exempt = workload("Deployment", noProbes, { annotations: { [exemptionAnnotation("containers-have-probes")]: "batch consumer with no port" } });
    assert.deepEqual(judgeObject(probes, exempt, production).violations, []);
    assert.deepEqual(
      judgeObject(probes, exempt, production).exempted.map((exemption) => exemption.reason),
      ["batch consumer with no port"],
    );
    assert.deepEqual(exemptionProblems(exempt), []);
  });
  it("an empty reason exempts nothing and is itself reported", () => {
    const unjustified = workload("Deployment", noProbes, { annotations: { [exemptionAnnotation("containers-have-probes")]: "" } });
    assert.equal(judgeObject(probes, unjustified, production).violations.length, 2);
    assert.deepEqual(exemptionProblems(unjustified), [`annotation '${exemptionAnnotation("containers-have-probes")}' must give the reason for the exemption`]);
  });
  it("the Pod Security annotation the workload builders write exempts from pod-security-restricted, under its earlier key too", () => {
    const root = compliantPodSpec([compliantContainer({ securityContext: { ...compliantContainer().securityContext, runAsUser: 0 } })]);
    const restricted = POLICIES.find((policy) => policy.name === "pod-security-restricted") as ObjectPolicy;
    assert.equal(judgeObject(restricted, workload("DaemonSet", root), production).violations.length, 1);
    for (const key of [POD_SECURITY_EXEMPTION, "blueprint.io/pod-security-exemption"]) {
      const exempt = workload("DaemonSet", root, { annotations: { [key]: "reads root-owned node logs" } });
      assert.deepEqual(judgeObject(restricted, exempt, production), { violations: [], exempted: [{ policy: "pod-security-restricted", object: exempt, reason: "reads root-owned node logs" }] }, key);
    }
  });
  it("an annotation naming no policy of the pack (a typo) is reported", () => {
    const [problem] = exemptionProblems(workload("Deployment", compliantPodSpec(), { annotations: { [exemptionAnnotation("container-have-probes")]: "x" } }));
    assert.match(problem, /names no policy of this pack/);
  });
});

import * as pulumi from "@pulumi/pulumi";
import type { ServiceConfig } from "./configSchema";
import { declareSecureNamespace } from "./k8s/namespace";
import { servicePlacement } from "./placement";
import { ENROLLED } from "./k8s/enrolment";

/** The namespaces services name for themselves (other than the shared apps one), each with the services in it. */
function ownNamespaces(services: Record<string, Pick<ServiceConfig, "namespace">>, appsNamespace: string): Map<string, string[]> {
  const byNamespace = new Map<string, string[]>();
  for (const [name, service] of Object.entries(services)) {
    const { namespace } = servicePlacement(name, service, appsNamespace);
    if (namespace === appsNamespace) continue;
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), name]);
  }
  return byNamespace;
}

/**
 * Declares each service-owned namespace once, however many services share it: two services naming the same
 * namespace is allowed (a team's services together), and one declaration per namespace is what keeps them
 * from colliding. Stacks deployed by earlier versions of the program hold such a namespace as a child of a
 * service's component, so each service that could own it is an alias: those stacks adopt the namespace
 * instead of replacing it.
 */
export function declareServiceNamespaces(
  services: Record<string, Pick<ServiceConfig, "namespace">>,
  appsNamespace: string,
  opts: pulumi.CustomResourceOptions,
): Map<string, pulumi.Output<string>> {
  const declared = new Map<string, pulumi.Output<string>>();
  for (const [namespace, owners] of ownNamespaces(services, appsNamespace)) {
    const aliases = owners.map((service) => ({ parent: pulumi.createUrn(service, "blueprint:service:ProductionService") }));
    declared.set(namespace, declareSecureNamespace(namespace, { level: "restricted" }, { ...opts, aliases }, ENROLLED).name);
  }
  return declared;
}

import { hasDigest } from "../components/images";
import { COMPONENT_LABEL, SERVICE_COMPONENT } from "../components/k8s/labels";
import { type KubernetesObject, containersOf, podSpecOf } from "./kubernetes";
import type { PolicyContext } from "./types";

/** The pack's rule that every image carries a digest; a service's may be a bare tag outside production. */
export const IMAGE_DIGEST_POLICY = "images-carry-digests";

/** How to find the digest a reference lacks, for the person reading the refusal. */
function digestHint(reference: string): string {
  return `read it with \`docker buildx imagetools inspect ${reference}\` (or \`crane digest ${reference}\`, or take the one the deploy workflow prints) and pin ${reference}@sha256:<digest>`;
}

/**
 * Every container image (init containers and Jobs included) carries a digest, so a tag moved upstream never
 * changes what runs. The one allowance: a service's own image (the Deployment ProductionService makes) may be
 * a bare tag in local and staging, where it is rebuilt and redeployed often; production runs only what the
 * release pipeline pushed and scanned, by its digest. Values still unknown at preview (a built image's
 * repo digest) pass: they are digests once known.
 */
export function imagesWithoutDigest(object: KubernetesObject, context: PolicyContext): string[] {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  const isService = object.metadata.labels?.[COMPONENT_LABEL] === SERVICE_COMPONENT;
  if (isService && context.environment !== "production") return [];
  return containersOf(podSpec, "all").flatMap((container) => {
    if (typeof container.image !== "string" || hasDigest(container.image)) return [];
    const rule = isService
      ? `a service's image must carry a digest in production (set services.${container.name}.image.ref)`
      : "a platform image must carry a digest in every stack (components/images.ts)";
    return [`container '${container.name}' runs image '${container.image}' without a digest: ${rule}; ${digestHint(container.image)}`];
  });
}

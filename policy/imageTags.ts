import { imageTag } from "../components/images";
import { type KubernetesObject, containersOf, podSpecOf } from "./kubernetes";

/**
 * Why an image reference is not pinned, or undefined when it is. A digest pins the exact image; a tag
 * other than `latest` pins a release. No tag means `latest`, which changes under running pods.
 */
export function imageReferenceProblem(reference: string): string | undefined {
  if (reference.includes("@")) return undefined;
  const tag = imageTag(reference);
  if (tag === undefined) return `image '${reference}' has no tag, so it means 'latest'`;
  return tag === "latest" ? `image '${reference}' is tagged 'latest'` : undefined;
}

/** Every container image is pinned by a release tag or a digest. Values still unknown at preview pass. */
export function unpinnedImages(object: KubernetesObject): string[] {
  const podSpec = podSpecOf(object);
  if (!podSpec) return [];
  return containersOf(podSpec, "all").flatMap((container) => {
    if (typeof container.image !== "string") return [];
    const problem = imageReferenceProblem(container.image);
    return problem ? [`container '${container.name}': ${problem}`] : [];
  });
}

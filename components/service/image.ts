import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import type { ImageConfig } from "../configSchema";
import { imageTag } from "../images";
import { imageDigestExemptions, type LintExemption } from "../k8s/lintExemptions";

export interface ResolvedImage {
  /** What the Deployment runs: the configured reference, or the pushed image's repo digest. */
  ref: pulumi.Output<string>;
  /** APP_VERSION: the tag, or the short digest when only a digest pins the image. */
  version: string;
}

export function imageVersion(ref: string): string {
  const digest = ref.split("@sha256:")[1];
  return imageTag(ref) ?? `sha256-${(digest ?? "unknown").slice(0, 12)}`;
}

/** A built image is deployed by its repo digest; a configured one may be pinned by tag only. */
export function imageExemptions(image: ImageConfig): LintExemption[] {
  return image.build ? [] : imageDigestExemptions([image.ref]);
}

/**
 * Builds and pushes the image when config asks for it; otherwise deploys the configured reference as is,
 * which is what rollback by config replay relies on.
 */
export function resolveImage(name: string, image: ImageConfig, projectRoot: string, parent: pulumi.Resource): ResolvedImage {
  if (!image.build) return { ref: pulumi.output(image.ref), version: imageVersion(image.ref) };
  const built = new docker.Image(
    `${name}-image`,
    {
      imageName: `${image.repository}:${image.tag}`,
      build: { context: path.join(projectRoot, image.context), dockerfile: path.join(projectRoot, image.context, image.dockerfile), platform: "linux/amd64" },
      // Pushes use the ambient `docker login` credentials; none are stored in state.
      skipPush: false,
    },
    { parent },
  );
  return { ref: built.repoDigest, version: image.tag };
}

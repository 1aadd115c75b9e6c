import { z } from "zod";
import { hasDigest } from "./images";
import { QUANTITY_PATTERN, parseQuantity } from "./k8s/quantity";

// RFC 1123 label: what Kubernetes accepts for namespace and Service names.
export const dnsLabel = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- the optional group is bounded (at most 62 characters): no unbounded nested repetition
  .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "expected a DNS label: lowercase letters, digits and '-', at most 63 characters");

export const hostname = z
  .string()
  // eslint-disable-next-line security/detect-unsafe-regex -- the lookahead bounds the input to 253 characters and each repeated label starts with '.', which the label's classes exclude
  .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, "expected a fully qualified host name");

// zod's own validators: every octet and prefix length is checked (a hand-written pattern let 999.999.999.999/8 through).
export const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "expected an IPv4 or IPv6 CIDR such as 10.0.0.0/8 or fd00::/8" });

/** The number of addresses a CIDR covers is 1: a /32 (IPv4) or a /128 (IPv6). */
function isSingleHost(value: string): boolean {
  const [address, prefix] = value.split("/");
  return Number(prefix) === (address.includes(":") ? 128 : 32);
}

// One address written as a CIDR, for peers that are one known host (the API server's endpoints).
export const hostCidr = cidr.refine(isSingleHost, "expected a single address: a /32 (IPv4) or /128 (IPv6), not a range");

export const quantity = z.string().regex(QUANTITY_PATTERN, "expected a Kubernetes quantity such as 500m, 256Mi or 1Gi");

// An image reference must be pinned: a tag other than "latest", a digest, or both.
// eslint-disable-next-line security/detect-unsafe-regex -- each repeated group starts with a separator ('.', '_', '-' or '/') its inner class excludes: one way to split, linear time
const IMAGE_REF = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
export const imageRef = z
  .string()
  .refine(
    (ref) => !ref.includes("@") || hasDigest(ref),
    "the digest must be @sha256: and 64 lowercase hex digits, e.g. from `docker buildx imagetools inspect <ref>`",
  )
  .regex(IMAGE_REF, "expected an image reference such as registry.example.com/items-api:1.2.3 or …@sha256:<digest>")
  .refine((ref) => /:[^/]+$/.test(ref) || ref.includes("@sha256:"), "the image must be pinned with a tag or a digest")
  .refine((ref) => !/:latest(@|$)/.test(ref), "the tag 'latest' is not allowed: pin a version or a digest");

const resourceList = z.strictObject({ cpu: quantity, memory: quantity, ephemeralStorage: quantity });

export const resourcesSchema = z
  .strictObject({ requests: resourceList, limits: resourceList })
  .superRefine((value, ctx) => {
    for (const key of ["cpu", "memory", "ephemeralStorage"] as const) {
      // Malformed quantities are already reported by their own pattern check.
      if (![value.requests[key], value.limits[key]].every((quantity) => QUANTITY_PATTERN.test(quantity))) continue;
      if (parseQuantity(value.requests[key]) > parseQuantity(value.limits[key])) {
        ctx.addIssue({
          code: "custom",
          path: ["requests", key],
          message: `request ${value.requests[key]} is larger than the limit ${value.limits[key]}`,
        });
      }
    }
  });
export type ResourcesConfig = z.infer<typeof resourcesSchema>;

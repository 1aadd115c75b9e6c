/**
 * Every image the platform itself deploys, in one place: `name:tag@sha256:<digest>`. The tag is for people;
 * the digest is what the node pulls, so a tag moved upstream never changes a running pod. Each digest is the
 * multi-arch image index's unless its comment says otherwise, and names where it was read, so a reader can
 * check it again (and ci.yml's `image` job resolves every one online with `docker buildx imagetools inspect`).
 * Bumping one: docs/supply-chain.md, "Bumping a digest".
 */

/** `sha256:` and 64 lowercase hex digits: the only digest form the platform records. */
export const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface PlatformImage {
  /** Repository, with its registry when not Docker Hub. */
  name: string;
  tag: string;
  /** The image index digest. */
  digest: string;
  /** Where the digest was read (repository and path, or the search that finds it). */
  source: string;
}

function pinned(name: string, tag: string, digest: string, source: string): PlatformImage {
  if (!DIGEST.test(digest)) throw new Error(`image ${name}:${tag}: '${digest}' is not sha256:<64 lowercase hex>`);
  return { name, tag, digest, source };
}

/** The reference a pod spec carries: `name:tag@sha256:…`. */
export function imageReference(image: PlatformImage): string {
  return `${image.name}:${image.tag}@${image.digest}`;
}

/**
 * A reference's tag, or undefined when it has none: what follows the last colon of the name (the part before
 * any `@digest`) when that colon is after the last slash. One before it is a registry's port (host:5000/app).
 */
export function imageTag(reference: string): string | undefined {
  const name = reference.split("@")[0];
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
}

/** Whether a reference pins a digest (`…@sha256:<64 hex>`): the node then runs exactly that image. */
export function hasDigest(reference: string): boolean {
  const at = reference.lastIndexOf("@");
  return at > 0 && DIGEST.test(reference.slice(at + 1));
}

/** Elasticsearch and Kibana ship together; their versions must match. */
export const ELASTIC_STACK_VERSION = "8.19.4";

/**
 * Elasticsearch and Kibana come from their Docker Official Images (`library/elasticsearch`, `library/kibana`),
 * which Elastic maintains from the same Dockerfiles as docker.elastic.co's (the same user 1000 and paths):
 * docker-library/repo-info publishes every digest of those, and no record of docker.elastic.co's digests for
 * this version could be read. Their tags are rebuilt when the base image is patched; the pinned digest is the
 * rebuild of 2025-10-02, the latest on record.
 */
const REPO_INFO = (image: string) => `docker-library/repo-info, repos/${image}/tag-details.md, section \`${image}:${ELASTIC_STACK_VERSION}\` (its 2025-10-02 rebuild)`;

export const PLATFORM_IMAGES = {
  prometheus: pinned(
    "prom/prometheus",
    "v3.5.0",
    "sha256:63805ebb8d2b3920190daf1cb14a60871b16fd38bed42b857a3182bc621f4996",
    "public repositories pinning prom/prometheus:v3.5.0@sha256 (code search `prom/prometheus:v3.5.0@sha256`, 7 independent files agree)",
  ),
  // The linux/amd64 manifest, not the index (no index digest of this tag is on record): it runs on amd64 nodes
  // only, as does the service image, which is built for linux/amd64 (service/image.ts).
  configReloader: pinned(
    "quay.io/prometheus-operator/prometheus-config-reloader",
    "v0.85.0",
    "sha256:e8834beedbd76723ab90964ffcc96ea158710da54bd169cea334d3f11c08eae9",
    "a public script saving kube-prometheus-stack's linux/amd64 images (code search `prometheus-config-reloader@sha256:e8834bee`); its prom/prometheus v3.5.0 entry is that tag's linux/amd64 manifest, 8672a850…",
  ),
  alertmanager: pinned(
    "prom/alertmanager",
    "v0.28.1",
    "sha256:27c475db5fb156cab31d5c18a4251ac7ed567746a2483ff264516437a39b15ba",
    "public repositories pinning prom/alertmanager:v0.28.1@sha256 (code search `prom/alertmanager:v0.28.1@sha256`, 10 files agree, one recording it as the manifest-list digest)",
  ),
  jaeger: pinned(
    "jaegertracing/jaeger",
    "2.19.0",
    "sha256:ede4864215be4cd85bd8c3129a2fea6c5713c5653c7282c429dba123014bc68b",
    "a public shell script pinning docker.io/jaegertracing/jaeger:2.19.0@sha256 (code search `jaegertracing/jaeger:2.19.0@sha256`)",
  ),
  kafka: pinned(
    "apache/kafka",
    "4.1.1",
    "sha256:0bc1bb2478f45b6cea78864df86acdc11e8df2c5172477819a4d12942cbe5d40",
    "public repositories pinning apache/kafka:4.1.1@sha256 (code search `apache/kafka:4.1.1@sha256`, 9 of 10 files agree)",
  ),
  // The distroless build (no shell, no package manager) of the release whose digest is on record.
  vector: pinned(
    "timberio/vector",
    "0.58.0-distroless-libc",
    "sha256:6c93dfe2554cc7e38316d618961cd657d5271c7a7aa727e0007502b28cb82c2e",
    "a public repository's Renovate-managed pin of docker.io/timberio/vector:0.58.0-distroless-libc@sha256 (code search `distroless-libc@sha256`)",
  ),
  // The OSS image (grafana/grafana, not grafana-enterprise). One other pin of this tag is on record (e68a7df1…,
  // in a Nix expression for x86_64-linux only, so likely a platform manifest); the index digest is taken to be
  // the one four files agree on, which ci.yml's `image` job confirms online.
  grafana: pinned(
    "grafana/grafana",
    "12.3.0",
    "sha256:70d9599b186ce287be0d2c5ba9a78acb2e86c1a68c9c41449454d0fc3eeb84e8",
    "public repositories pinning grafana/grafana:12.3.0@sha256 (code search `grafana/grafana:12.3.0@sha256`, 4 files of 3 repositories agree)",
  ),
  // The version test/e2e builds from the Go module proxy and runs against a real API server
  // (toolchain/systems/versions.env, KUBE_STATE_METRICS_VERSION).
  kubeStateMetrics: pinned(
    "registry.k8s.io/kube-state-metrics/kube-state-metrics",
    "v2.20.0",
    "sha256:42cfe3723a5f058171c627537fb57a3ea0f26e4380fa18555a95cb1a1b4cfc5b",
    "public repositories pinning registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0@sha256 (code search `kube-state-metrics:v2.20.0@sha256`): Stuhlmuller/homelab's image audit records it as the index (linux/amd64 manifest 01171220…), and a second package manifest pins the same index",
  ),
  elasticsearch: pinned("elasticsearch", ELASTIC_STACK_VERSION, "sha256:5b2a4763ba7fa7a3495989733973a231e5061434d0d695373b0f702857428399", REPO_INFO("elasticsearch")),
  kibana: pinned("kibana", ELASTIC_STACK_VERSION, "sha256:81dbd2365e45667006f12462fbf8c578e2b1e6c1667badb41cd61b017a72706e", REPO_INFO("kibana")),
} as const satisfies Record<string, PlatformImage>;

export const PROMETHEUS_IMAGE = imageReference(PLATFORM_IMAGES.prometheus);
export const CONFIG_RELOADER_IMAGE = imageReference(PLATFORM_IMAGES.configReloader);
export const ALERTMANAGER_IMAGE = imageReference(PLATFORM_IMAGES.alertmanager);
export const JAEGER_IMAGE = imageReference(PLATFORM_IMAGES.jaeger);
export const KAFKA_IMAGE = imageReference(PLATFORM_IMAGES.kafka);
export const VECTOR_IMAGE = imageReference(PLATFORM_IMAGES.vector);
export const GRAFANA_IMAGE = imageReference(PLATFORM_IMAGES.grafana);
export const ELASTICSEARCH_IMAGE = imageReference(PLATFORM_IMAGES.elasticsearch);
export const KIBANA_IMAGE = imageReference(PLATFORM_IMAGES.kibana);
export const KUBE_STATE_METRICS_IMAGE = imageReference(PLATFORM_IMAGES.kubeStateMetrics);

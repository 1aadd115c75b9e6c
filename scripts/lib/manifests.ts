import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { KubernetesObject } from "../../policy/kubernetes";
import type { DeclaredResource } from "./mocks";
import { maskSecrets } from "./secrets";

export function isKubernetesObject(resource: DeclaredResource): boolean {
  return resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
}

/** The manifest the Kubernetes provider would apply, with secret values masked. */
export function toManifest(resource: DeclaredResource): KubernetesObject {
  return maskSecrets(resource.inputs) as KubernetesObject;
}

export function kubernetesObjects(resources: DeclaredResource[]): KubernetesObject[] {
  return resources.filter(isKubernetesObject).map(toManifest);
}

export function manifestFileName(object: KubernetesObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.namespace ?? "cluster"}-${object.metadata.name}.yaml`;
}

/** Writes one YAML file per object, plus resources.json listing every declared resource. */
export function writeRender(resources: DeclaredResource[], outDir: string): { objects: number; resources: number } {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const objects = kubernetesObjects(resources);
  for (const object of objects) {
    const file = path.join(outDir, manifestFileName(object));
    if (fs.existsSync(file)) throw new Error(`Two objects render to ${path.basename(file)}: names must be unique per kind and namespace`);
    fs.writeFileSync(file, stringify(object, { lineWidth: 0 }));
  }
  const listing = resources.map((resource) => ({ ...resource, inputs: maskSecrets(resource.inputs) }));
  fs.writeFileSync(path.join(outDir, "resources.json"), `${JSON.stringify(listing, null, 2)}\n`);
  return { objects: objects.length, resources: resources.length };
}

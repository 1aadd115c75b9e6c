import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

type PersistentVolumeClaim = k8s.types.input.core.v1.PersistentVolumeClaim;

/**
 * A container mount and what backs it, built together so the name is spelled once: a pod volume, or a
 * StatefulSet's per-replica claim. Containers carry their mounts; the pod spec collects the volumes and the
 * StatefulSet the claims (podSpec.ts), so no volume list is written by hand.
 */
export interface Mount {
  volumeMount: VolumeMount;
  volume?: Volume;
  claim?: PersistentVolumeClaim;
}

export interface MountOptions {
  /** Mount one key of the source as a file instead of the whole directory. */
  subPath?: string;
  /** Config and secrets are read-only unless a writer is intended. */
  readOnly?: boolean;
}

/** A mount of a volume built elsewhere (a Secret with selected items, say), under the volume's own name. */
export function mountOf(volume: Volume & { name: string }, mountPath: string, options: MountOptions = {}): Mount {
  const { name } = volume;
  return { volume, volumeMount: { name, mountPath, ...(options.subPath ? { subPath: options.subPath } : {}), readOnly: options.readOnly ?? true } };
}

function mount(name: string, source: Omit<Volume, "name">, mountPath: string, options: MountOptions): Mount {
  return mountOf({ name, ...source }, mountPath, options);
}

export function configMapMount(name: string, configMapName: k8s.types.input.core.v1.ConfigMapVolumeSource["name"], mountPath: string, options: MountOptions = {}): Mount {
  return mount(name, { configMap: { name: configMapName } }, mountPath, options);
}

/**
 * Secret files readable by the owner and group only (0440): the container's user, never other users. `items`
 * mounts only the listed keys, each under its own file name.
 */
export function secretMount(
  name: string,
  secretName: k8s.types.input.core.v1.SecretVolumeSource["secretName"],
  mountPath: string,
  options: MountOptions & { items?: k8s.types.input.core.v1.KeyToPath[] } = {},
): Mount {
  const items = options.items ? { items: options.items } : {};
  return mount(name, { secret: { secretName, ...items, defaultMode: 0o440 } }, mountPath, options);
}

/**
 * One ReadWriteOnce volume per replica that follows the pod's identity (a StatefulSet's volumeClaimTemplate),
 * mounted read-write: the workload's data.
 */
export function claimMount(name: string, size: string, mountPath: string): Mount {
  return {
    claim: { metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } } } },
    volumeMount: { name, mountPath },
  };
}

/** A writable emptyDir for a read-only-root container (/tmp, caches, logs). */
export interface ScratchDir {
  name: string;
  mountPath: string;
  sizeLimit?: string;
  /** "Memory" keeps the contents off the node's disk (a tmpfs; counts against the memory limit), e.g. a copied secret. */
  medium?: "Memory";
}

export const DEFAULT_SCRATCH_SIZE = "64Mi";
export const TMP_DIR: ScratchDir = { name: "tmp", mountPath: "/tmp", sizeLimit: DEFAULT_SCRATCH_SIZE };

/** A scratch directory as a mount: its emptyDir and where the container sees it. */
export function scratchMount(dir: ScratchDir): Mount {
  return {
    volume: { name: dir.name, emptyDir: { ...(dir.medium ? { medium: dir.medium } : {}), sizeLimit: dir.sizeLimit ?? DEFAULT_SCRATCH_SIZE } },
    volumeMount: { name: dir.name, mountPath: dir.mountPath },
  };
}

/** /tmp first, then the container's own scratch directories. */
export function withTmp(scratch: ScratchDir[] = []): ScratchDir[] {
  return scratch.some((dir) => dir.mountPath === TMP_DIR.mountPath) ? scratch : [TMP_DIR, ...scratch];
}

/** A container's mounts in the order it lists them: its scratch directories (with /tmp) first. */
export function containerMounts(scratch: ScratchDir[] | undefined, mounts: Mount[] = []): Mount[] {
  return [...withTmp(scratch).map(scratchMount), ...mounts];
}

/** True when the value holds no Output anywhere: only then can it be compared by value. */
function isPlain(value: unknown): boolean {
  if (pulumi.Output.isInstance(value)) return false;
  if (value !== null && typeof value === "object") return Object.values(value).every(isPlain);
  return true;
}

// Plain data compares by value; a volume that names an Output must be the same object to be the same volume.
function sameSource(a: Volume | PersistentVolumeClaim, b: Volume | PersistentVolumeClaim): boolean {
  return a === b || (isPlain(a) && isPlain(b) && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * The pod's volumes and the StatefulSet's claims, from every container's mounts: each named once, in the order
 * the containers first mount them. Two different sources under one name would let one container see what
 * another meant to mount, so that is refused.
 */
export function collectVolumes(where: string, mounts: Mount[]): { volumes: Volume[]; claims: PersistentVolumeClaim[] } {
  const seen = new Map<string, Volume | PersistentVolumeClaim>();
  const volumes: Volume[] = [];
  const claims: PersistentVolumeClaim[] = [];
  for (const mount of mounts) {
    const source = mount.volume ?? mount.claim;
    if (!source) throw new Error(`${where}: the mount ${mount.volumeMount.mountPath as string} has neither a volume nor a claim`);
    const name = mount.volumeMount.name as string;
    const earlier = seen.get(name);
    if (earlier) {
      if (!sameSource(earlier, source)) throw new Error(`${where}: two different volumes are named ${name}; give each its own name`);
      continue;
    }
    seen.set(name, source);
    if (mount.volume) volumes.push(mount.volume);
    else if (mount.claim) claims.push(mount.claim);
  }
  return { volumes, claims };
}

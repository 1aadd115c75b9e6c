import type * as k8s from "@pulumi/kubernetes";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** A pod volume and the container mount that uses it, built together so the name is spelled once. */
export interface Mount {
  volume: Volume;
  volumeMount: VolumeMount;
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

export function volumesOf(mounts: Mount[]): Volume[] {
  return mounts.map((entry) => entry.volume);
}

export function volumeMountsOf(mounts: Mount[]): VolumeMount[] {
  return mounts.map((entry) => entry.volumeMount);
}

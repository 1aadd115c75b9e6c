import type { KubernetesObject } from "./kubernetes";

export interface PolicyContext {
  /** The stack's environment (local, staging, production): the config key, else the stack name. */
  environment: string;
}

/** One problem a stack-wide policy found, pinned to the object that should change (or carry the exemption). */
export interface Finding {
  object: KubernetesObject;
  message: string;
}

/**
 * The CI identity program: the Vault side of GitHub Actions' OIDC login (docs/ci-identity.md).
 *
 * A program of its own, not part of the main one: the Vault operators run it once per Vault with their own
 * token, and the deploy identity runs the main program. An identity that managed its own policy and roles
 * could widen them, so the deploy identity must never be the one that declares them; and it must exist
 * before the first pipeline run, which cannot create the credentials it runs with. For the same reason it
 * declares the platform's KV and AppRole mounts and the one policy every service's role carries: a deploy
 * identity that could write that policy could write a wide one and log in with it.
 */
import * as pulumi from "@pulumi/pulumi";
import { CiIdentity } from "./ciIdentity";
import { parseCiIdentityConfig, readCiIdentityConfig } from "./config";

const identity = new CiIdentity("ci-identity", parseCiIdentityConfig(readCiIdentityConfig(), pulumi.getStack()));

export const roles = identity.outputs.roles;
export const policies = identity.outputs.policies;
export const stateTransitKey = identity.outputs.stateTransitKey;
export const servicesPolicy = identity.outputs.servicesPolicy;

import * as pulumi from "@pulumi/pulumi";

/**
 * Keeps an error's message as written. An error thrown inside an `apply` travels as one shared instance to
 * every resource input built from that Output, and to every resource built from theirs; the SDK prefixes
 * `error serializing property "<name>": ` to that instance's message at each one. Dozens of prefixes would
 * bury the sentence that says what is wrong, so writes to the message are ignored.
 */
export function pinMessage<E extends Error>(error: E): E {
  const message = error.message;
  Object.defineProperty(error, "message", { get: () => message, set: () => undefined, configurable: true });
  return error;
}

/**
 * A rejection as the engine should report it: a ResourceError of the component whose input was bad, so
 * `pulumi up` names that component's URN. Validators stay plain functions that throw plain Errors, usable
 * and testable without the Pulumi runtime; components route their calls through here. The message is the
 * point, so the stack trace through our own helpers is hidden; the original error stays as `cause`.
 */
export function asResourceError(error: unknown, component: pulumi.Resource): pulumi.ResourceError {
  if (pulumi.ResourceError.isInstance(error)) return error;
  const resourceError = new pulumi.ResourceError(error instanceof Error ? error.message : String(error), component, true);
  return pinMessage(Object.assign(resourceError, { cause: error }));
}

/** Runs `build` for `component`; whatever it throws surfaces as that component's ResourceError. */
export function withResourceErrors<T>(component: pulumi.Resource, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw asResourceError(error, component);
  }
}

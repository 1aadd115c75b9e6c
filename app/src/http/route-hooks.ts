/** A route's hooks of one kind as a list: Fastify accepts a hook, a list of hooks, or none, in route options. */
export function hookList<Hook>(hooks: Hook | Hook[] | undefined): Hook[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

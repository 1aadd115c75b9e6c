/**
 * What a value the program marked secret looks like in plain object data. The offline render writes it
 * for every `pulumi.secret` (scripts/lib/secrets.ts); the pack's SDK adapter writes it for Secret data
 * that the program computed from another resource. A test keeps the two spellings equal.
 */
export const PULUMI_SECRET_MARKER = "[secret]";

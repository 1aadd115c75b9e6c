/**
 * Why a literal string looks like a credential, or undefined. Known token formats first (precise), then
 * a key name that says "password", then randomness (high entropy in a token-shaped string).
 * Hand-written: the npm secret scanners are CLIs over files and git history, not functions over one value.
 */
const KNOWN_FORMATS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key ID"],
  [/\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/, "a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b[rs]k_live_[A-Za-z0-9]{16,}/, "a Stripe live key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/\bhv[sb]\.[A-Za-z0-9_-]{20,}/, "a Vault token"],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON Web Token"],
  [/^[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s/@]+@/i, "a URL with an embedded password"],
];

const CREDENTIAL_KEY = /pass(word|wd)?|secret|token|api[-_.]?key|private[-_.]?key|credential/i;
const TOKEN_SHAPE = /^[A-Za-z0-9+/_-]{20,}={0,2}$/;
/** Bits per character above which a token-shaped string is treated as random (a 20+ character key). */
export const ENTROPY_THRESHOLD = 3.5;

export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  return [...counts.values()].reduce((bits, count) => {
    const p = count / value.length;
    return bits - p * Math.log2(p);
  }, 0);
}

function characterClasses(value: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(value)).length;
}

export function credentialSignal(key: string, value: string): string | undefined {
  const known = KNOWN_FORMATS.find(([pattern]) => pattern.test(value));
  if (known) return `looks like ${known[1]}`;
  if (CREDENTIAL_KEY.test(key) && value.trim().length >= 8) return `its key '${key}' names a credential`;
  if (TOKEN_SHAPE.test(value) && characterClasses(value) >= 2 && shannonEntropy(value) >= ENTROPY_THRESHOLD) {
    return `is a random-looking token (${shannonEntropy(value).toFixed(1)} bits/char)`;
  }
  return undefined;
}

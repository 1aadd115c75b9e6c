// Kubernetes resource quantities ("500m", "256Mi", "1.5Gi") parsed to plain numbers, so config can check
// requests <= limits and the sizing report can add them up.
const SUFFIX_FACTORS: Record<string, number> = {
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

// eslint-disable-next-line security/detect-unsafe-regex -- no nested repetition: each optional group matches at most once (safe-regex counts '?' as a repetition)
export const QUANTITY_PATTERN = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

export function parseQuantity(quantity: string): number {
  const match = QUANTITY_PATTERN.exec(quantity);
  if (!match) {
    throw new Error(`"${quantity}" is not a Kubernetes quantity (for example 500m, 256Mi, 1Gi)`);
  }
  return Number(match[1]) * SUFFIX_FACTORS[match[2] ?? ""];
}

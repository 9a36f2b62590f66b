/**
 * What the replica indexes a pricing rule by, read from the rule as the server sends it
 * (the engine's rule model: `appliesTo`, mix-and-match `groups`, `validFrom`/`validTo`,
 * `recurrence`, `coupon`). The checkout cache selects rules with these; the engine still
 * decides, at every evaluation, whether a rule applies.
 */
export interface RuleMeta {
  id: string;
  /** Outer bounds (epoch ms); null when open. A recurring rule is active only inside its occurrences too. */
  validFrom: number | null;
  validTo: number | null;
  recurring: boolean;
  /** True when the rule can touch any product (no targets), e.g. a store-wide threshold. */
  appliesToAll: boolean;
  skus: string[];
  categories: string[];
  /** Coupon codes (any one unlocks the rule), trimmed and lower-cased: codes compare case-insensitively. */
  coupons: string[];
  segments: string[];
  label: string;
}

interface Targets {
  skus?: unknown;
  categories?: unknown;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

const instant = (value: unknown, field: string): number | null => {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`${field} is not an instant: ${JSON.stringify(value)}`);
  return ms;
};

export function normalizeCoupon(code: string): string {
  return code.trim().toLowerCase();
}

export function ruleMeta(rule: Record<string, unknown>): RuleMeta {
  const id = rule.id;
  if (typeof id !== 'string' || id.length === 0) throw new Error('rule has no id');
  const targetSets: Targets[] = [];
  if (Array.isArray(rule.prices)) {
    // A price list names its SKUs in its entries.
    targetSets.push({ skus: rule.prices.map((entry) => (entry as { sku?: unknown } | null)?.sku) });
  } else if (Array.isArray(rule.groups)) {
    for (const group of rule.groups) targetSets.push((group ?? {}) as Targets);
  } else {
    targetSets.push((rule.appliesTo ?? {}) as Targets);
  }
  const skus = new Set<string>();
  const categories = new Set<string>();
  let appliesToAll = false;
  for (const set of targetSets) {
    const s = strings(set.skus);
    const c = strings(set.categories);
    if (s.length === 0 && c.length === 0) appliesToAll = true;
    for (const sku of s) skus.add(sku);
    for (const category of c) categories.add(category);
  }
  const coupons = (typeof rule.coupon === 'string' ? [rule.coupon] : strings(rule.coupon))
    .map(normalizeCoupon)
    .filter((c) => c !== '');
  const name = [rule.label, rule.name, rule.description].find((v): v is string => typeof v === 'string' && v !== '');
  return {
    id,
    validFrom: instant(rule.validFrom, 'validFrom'),
    validTo: instant(rule.validTo, 'validTo'),
    recurring: rule.recurrence !== undefined && rule.recurrence !== null,
    appliesToAll,
    skus: [...skus],
    categories: [...categories],
    coupons,
    segments: strings(rule.segments),
    label: name ?? id,
  };
}

import { Decimal, HUNDRED } from './money';
import type { Concurrency, MixMatchRule, Rule, RuleKind, Scope, Tier } from './rule-schema';
import { CompiledSchedule } from './schedule';

/** What the engine knows of a product when it matches rules. */
export interface ProductRef {
  sku: string;
  categories: readonly string[];
}

/** appliesTo and excludes as sets: `matches` is a few hash lookups. */
export class ProductMatcher {
  private readonly skus: ReadonlySet<string> | undefined;
  private readonly categories: ReadonlySet<string> | undefined;
  private readonly excludedSkus: ReadonlySet<string> | undefined;
  private readonly excludedCategories: ReadonlySet<string> | undefined;

  constructor(appliesTo: Scope | undefined, excludes: Scope | undefined) {
    this.skus = setOf(appliesTo?.skus);
    this.categories = setOf(appliesTo?.categories);
    this.excludedSkus = setOf(excludes?.skus);
    this.excludedCategories = setOf(excludes?.categories);
  }

  /** True when no list names products: the rule is for every product (minus exclusions). */
  get everything(): boolean {
    return !this.skus && !this.categories;
  }

  matches(product: ProductRef): boolean {
    if (this.excludedSkus?.has(product.sku)) return false;
    if (this.excludedCategories && product.categories.some((category) => this.excludedCategories?.has(category))) {
      return false;
    }
    if (this.everything) return true;
    if (this.skus?.has(product.sku)) return true;
    return this.categories !== undefined && product.categories.some((category) => this.categories?.has(category));
  }

  /** The SKUs and categories under which an index files this matcher's rule. */
  keys(): { skus: readonly string[]; categories: readonly string[] } {
    return { skus: [...(this.skus ?? [])], categories: [...(this.categories ?? [])] };
  }
}

function setOf(values: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return values && values.length > 0 ? new Set(values) : undefined;
}

/** A percentage or an amount off, parsed. */
export type Benefit =
  | { type: 'percent'; percent: Decimal; fraction: Decimal }
  | { type: 'amount'; amount: Decimal }
  | { type: 'price'; price: Decimal }
  | { type: 'free' };

export interface CompiledTier {
  minQty: number;
  benefit: Benefit;
}

export type MixMatchBenefit =
  | { type: 'percent'; percent: Decimal; fraction: Decimal }
  | { type: 'amount'; amount: Decimal }
  | { type: 'dealPrice'; price: Decimal }
  | { type: 'leastExpensiveFree' };

export interface CompiledGroup {
  qty: number;
  discounted: boolean;
  matcher: ProductMatcher;
}

/**
 * Rules in rule order (by ordinal), sorted in place: an insertion sort, quicker than
 * Array.prototype.sort with a comparator for the few rules a cart meets.
 */
export function inRuleOrder<T extends { readonly ordinal: number }>(rules: T[]): T[] {
  for (let at = 1; at < rules.length; at += 1) {
    const rule = rules[at] as T;
    let to = at - 1;
    while (to >= 0 && (rules[to] as T).ordinal > rule.ordinal) {
      rules[to + 1] = rules[to] as T;
      to -= 1;
    }
    rules[to + 1] = rule;
  }
  return rules;
}

/** Coupon codes compare trimmed and case-insensitively. */
export function normalizeCoupon(code: string): string {
  return code.trim().toUpperCase();
}

/**
 * A validated rule made ready for pricing: decimals parsed, sets built, schedule compiled.
 * `ordinal` is the rule's position in its index: the tie-breaker wherever two rules are
 * equally good, so that results never depend on hash order.
 */
export class CompiledRule {
  readonly id: string;
  readonly kind: RuleKind;
  readonly priority: number;
  readonly concurrency: Concurrency;
  readonly name: string | undefined;
  readonly matcher: ProductMatcher;
  readonly schedule: CompiledSchedule;
  readonly coupons: ReadonlySet<string> | undefined;
  readonly stackable: boolean;
  readonly segments: ReadonlySet<string> | undefined;
  readonly stores: ReadonlySet<string> | undefined;
  readonly channels: ReadonlySet<string> | undefined;
  /** discount, threshold, shipping: what comes off. */
  readonly benefit: Benefit | undefined;
  /** price: the adjusted unit price. */
  readonly price: Decimal | undefined;
  /** priceList: SKU → price. */
  readonly listPrices: ReadonlyMap<string, Decimal> | undefined;
  readonly override: boolean;
  readonly tiers: readonly CompiledTier[];
  readonly groups: readonly CompiledGroup[];
  readonly dealBenefit: MixMatchBenefit | undefined;
  readonly maxApplications: number;
  readonly minSubtotal: Decimal | undefined;

  constructor(
    readonly rule: Rule,
    readonly ordinal: number,
  ) {
    this.id = rule.id;
    this.kind = rule.kind;
    this.priority = rule.priority ?? 0;
    this.concurrency = rule.concurrency ?? 'bestPrice';
    this.name = rule.name;
    this.matcher = new ProductMatcher(rule.kind === 'priceList' ? undefined : rule.appliesTo, rule.excludes);
    this.schedule = new CompiledSchedule(rule);
    const coupons =
      rule.coupon === undefined ? undefined : typeof rule.coupon === 'string' ? [rule.coupon] : rule.coupon;
    this.coupons = coupons ? new Set(coupons.map(normalizeCoupon)) : undefined;
    this.stackable = rule.stackable ?? true;
    this.segments = setOf(rule.segments);
    this.stores = setOf(rule.stores);
    this.channels = setOf(rule.channels);
    this.benefit =
      rule.kind === 'discount' || rule.kind === 'threshold' || rule.kind === 'shipping' ? benefitOf(rule) : undefined;
    this.price = rule.kind === 'price' ? new Decimal(rule.price) : undefined;
    this.listPrices =
      rule.kind === 'priceList'
        ? new Map(rule.prices.map((entry) => [entry.sku, new Decimal(entry.price)]))
        : undefined;
    this.override = rule.kind === 'priceList' && rule.override === true;
    this.tiers =
      rule.kind === 'tiered'
        ? rule.tiers.map((tier: Tier) => ({ minQty: tier.minQty, benefit: benefitOf(tier) as Benefit }))
        : [];
    this.groups =
      rule.kind === 'mixMatch'
        ? rule.groups.map((group) => ({
            qty: group.qty,
            discounted: group.discounted === true,
            matcher: new ProductMatcher(
              group.skus || group.categories ? { skus: group.skus, categories: group.categories } : undefined,
              undefined,
            ),
          }))
        : [];
    this.dealBenefit = rule.kind === 'mixMatch' ? dealBenefitOf(rule) : undefined;
    this.maxApplications = rule.kind === 'mixMatch' ? (rule.maxApplications ?? Number.POSITIVE_INFINITY) : 0;
    this.minSubtotal =
      rule.kind === 'threshold' || rule.kind === 'shipping' ? new Decimal(rule.minSubtotal ?? 0) : undefined;
  }

  /** Whether a unit of this product can take part: the rule's scope and, for a deal, some group. */
  appliesToProduct(product: ProductRef): boolean {
    if (this.kind === 'priceList') return this.listPrices?.has(product.sku) ?? false;
    if (!this.matcher.matches(product)) return false;
    return this.kind !== 'mixMatch' || this.groups.some((group) => group.matcher.matches(product));
  }

  /** Index keys: under which SKUs and categories this rule may apply; `everything` when not narrowed. */
  indexKeys(): { everything: boolean; skus: readonly string[]; categories: readonly string[] } {
    if (this.kind === 'priceList')
      return { everything: false, skus: [...(this.listPrices?.keys() ?? [])], categories: [] };
    if (!this.matcher.everything) return { everything: false, ...this.matcher.keys() };
    if (this.kind === 'mixMatch' && this.groups.every((group) => !group.matcher.everything)) {
      const skus = new Set<string>();
      const categories = new Set<string>();
      for (const group of this.groups) {
        const keys = group.matcher.keys();
        for (const sku of keys.skus) skus.add(sku);
        for (const category of keys.categories) categories.add(category);
      }
      return { everything: false, skus: [...skus], categories: [...categories] };
    }
    return { everything: true, skus: [], categories: [] };
  }

  /** Words for people: the rule's name, or what it does. */
  get label(): string {
    return this.name ?? this.id;
  }
}

function benefitOf(source: {
  percentOff?: string;
  amountOff?: string;
  price?: string;
  free?: true;
}): Benefit | undefined {
  if (source.percentOff !== undefined) {
    const percent = new Decimal(source.percentOff);
    return { type: 'percent', percent, fraction: percent.dividedBy(HUNDRED) };
  }
  if (source.amountOff !== undefined) return { type: 'amount', amount: new Decimal(source.amountOff) };
  if (source.price !== undefined) return { type: 'price', price: new Decimal(source.price) };
  if (source.free) return { type: 'free' };
  return undefined;
}

function dealBenefitOf(rule: MixMatchRule): MixMatchBenefit {
  if (rule.dealPrice !== undefined) return { type: 'dealPrice', price: new Decimal(rule.dealPrice) };
  if (rule.percentOff !== undefined) {
    const percent = new Decimal(rule.percentOff);
    return { type: 'percent', percent, fraction: percent.dividedBy(HUNDRED) };
  }
  if (rule.amountOff !== undefined) return { type: 'amount', amount: new Decimal(rule.amountOff) };
  return { type: 'leastExpensiveFree' };
}

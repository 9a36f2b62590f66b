import { ProductRulesCache } from './cart-lines';
import type { Catalog } from './catalog';
import { CompiledRule, type ProductRef } from './compile';
import type { Rule } from './rule-schema';
import { TimeZones } from './time-zones';
import { parseRules } from './validate';

/**
 * Rules filed by SKU and by category, so pricing a cart looks only at the rules that can
 * apply to its products: cost follows the eligible rules, not all rules. Immutable once
 * built; it also keeps the zone offsets and recurrence dates it has learnt (pure caches).
 */
export class RuleIndex {
  readonly rules: readonly CompiledRule[];
  readonly zones = new TimeZones();
  private readonly bySku = new Map<string, CompiledRule[]>();
  private readonly byCategory = new Map<string, CompiledRule[]>();
  private readonly everywhere: CompiledRule[] = [];
  private readonly byId = new Map<string, CompiledRule>();
  private readonly byCoupon = new Map<string, CompiledRule[]>();
  private readonly byProduct = new Map<string, ProductRuleSets>();
  /** The same, by the product object a Catalog hands out (no key to build). */
  private readonly byProductObject = new WeakMap<ProductRef, ProductRuleSets>();
  /** Codes of coupons that are not combined with other coupons. */
  readonly soloCoupons: ReadonlySet<string>;
  /** Products of each catalog priced with this index, with their rules (pure caches). */
  private readonly catalogs = new WeakMap<Catalog, ProductRulesCache>();
  /** Rule titles by cart currency and rate: the same words for every cart. */
  private readonly titleSets = new Map<string, Map<CompiledRule, string>>();

  constructor(rules: readonly Rule[]) {
    this.rules = rules.map((rule, ordinal) => new CompiledRule(rule, ordinal));
    const solo = new Set<string>();
    for (const rule of this.rules) {
      this.byId.set(rule.id, rule);
      for (const code of rule.coupons ?? []) {
        push(this.byCoupon, code, rule);
        if (!rule.stackable) solo.add(code);
      }
      const keys = rule.indexKeys();
      if (keys.everything) {
        this.everywhere.push(rule);
        continue;
      }
      for (const sku of keys.skus) push(this.bySku, sku, rule);
      for (const category of keys.categories) push(this.byCategory, category, rule);
    }
    this.soloCoupons = solo;
  }

  get size(): number {
    return this.rules.length;
  }

  rule(id: string): CompiledRule | undefined {
    return this.byId.get(id);
  }

  /** Rules whose time window holds at any instant of [from, to]: what a terminal's checkout cache loads. */
  activeDuring(from: number, to: number, timeZone: string): Rule[] {
    return this.rules
      .filter((rule) => rule.schedule.always || rule.schedule.isActiveDuring(from, to, this.zones, timeZone))
      .map((rule) => rule.rule);
  }

  /** The next instant after `from` at which any rule starts or stops, or null. */
  nextChange(from: number, timeZone: string): number | null {
    let next: number | null = null;
    for (const rule of this.rules) {
      if (rule.schedule.always) continue;
      const change = rule.schedule.nextChange(from, this.zones, timeZone);
      if (change !== null && (next === null || change < next)) next = change;
    }
    return next;
  }

  /** Products of a catalog with the rules that can apply to each, kept for the catalog's life. */
  productsIn(catalog: Catalog): ProductRulesCache {
    let products = this.catalogs.get(catalog);
    if (!products) {
      products = new ProductRulesCache(this, catalog);
      this.catalogs.set(catalog, products);
    }
    return products;
  }

  /** Where rule titles in one cart currency (at one rate) are kept once written. */
  titlesIn(currency: string, rate: string): Map<CompiledRule, string> {
    const key = `${currency} ${rate}`;
    let titles = this.titleSets.get(key);
    if (!titles) {
      // Rates move: keep the titles of the last few only.
      if (this.titleSets.size >= 16) this.titleSets.clear();
      titles = new Map();
      this.titleSets.set(key, titles);
    }
    return titles;
  }

  /** Rules unlocked by a coupon code (normalised), in rule order. */
  rulesWithCoupon(code: string): readonly CompiledRule[] {
    return this.byCoupon.get(code) ?? [];
  }

  /**
   * The rules that can apply to a product, split by the pricing step that uses them; kept per
   * SKU and categories, since a catalog prices the same products over and over.
   */
  rulesFor(product: ProductRef): ProductRuleSets {
    const known = this.byProductObject.get(product);
    if (known) return known;
    const key = `${product.sku}\u0000${product.categories.join('\u0001')}`;
    let sets = this.byProduct.get(key);
    if (!sets) {
      const all = this.candidatesFor(product);
      sets = {
        all,
        prices: all.filter((rule) => rule.kind === 'price' || rule.kind === 'priceList'),
        lineRules: all.filter((rule) => rule.kind === 'discount' || rule.kind === 'tiered' || rule.kind === 'mixMatch'),
        thresholds: all.filter((rule) => rule.kind === 'threshold'),
        shipping: all.filter((rule) => rule.kind === 'shipping'),
      };
      this.byProduct.set(key, sets);
    }
    this.byProductObject.set(product, sets);
    return sets;
  }

  /** Rules that can apply to a product (scope only; time and customer are checked later), in rule order. */
  candidatesFor(product: ProductRef): CompiledRule[] {
    const sources: CompiledRule[][] = [];
    const bySku = this.bySku.get(product.sku);
    if (bySku) sources.push(bySku);
    for (const category of product.categories) {
      const byCategory = this.byCategory.get(category);
      if (byCategory) sources.push(byCategory);
    }
    if (this.everywhere.length > 0) sources.push(this.everywhere);
    if (sources.length === 0) return [];
    const found: CompiledRule[] = [];
    if (sources.length === 1) {
      for (const rule of sources[0] as CompiledRule[]) if (rule.appliesToProduct(product)) found.push(rule);
      return found;
    }
    const seen = new Set<number>();
    for (const source of sources) {
      for (const rule of source) {
        if (seen.has(rule.ordinal)) continue;
        seen.add(rule.ordinal);
        if (rule.appliesToProduct(product)) found.push(rule);
      }
    }
    return found.sort((a, b) => a.ordinal - b.ordinal);
  }
}

/** A product's candidate rules by pricing step, each list in rule order. */
export interface ProductRuleSets {
  readonly all: readonly CompiledRule[];
  /** price and priceList. */
  readonly prices: readonly CompiledRule[];
  /** discount, tiered, mixMatch. */
  readonly lineRules: readonly CompiledRule[];
  readonly thresholds: readonly CompiledRule[];
  readonly shipping: readonly CompiledRule[];
}

function push(map: Map<string, CompiledRule[]>, key: string, rule: CompiledRule): void {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
}

/** Validates rules (ValidationError naming rules[i].field) and files them for pricing. */
export function indexRules(rules: unknown): RuleIndex {
  return new RuleIndex(parseRules(rules));
}

export function isRuleIndex(value: unknown): value is RuleIndex {
  return value instanceof RuleIndex;
}

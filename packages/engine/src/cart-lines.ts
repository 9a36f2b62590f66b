import type { Catalog, CatalogProduct } from './catalog';
import { type Decimal, toMinor } from './money';
import type { ProductRuleSets, RuleIndex } from './rule-index';
import { ValidationError, type ValidationIssue } from './validate';

export interface CartLine {
  sku: string;
  /** Whole units, at least 1. */
  qty: number;
}

/** Upper bound on units of one line: anything above is a typo or an attack, not a sale. */
export const MAX_LINE_QTY = 1_000_000;

/** A product with the rules that can apply to it, split by the step that uses them. */
export interface ProductRules extends ProductRuleSets {
  product: CatalogProduct;
  /** The tax rate as the cart shows it. */
  taxRateText: string;
  /** The tax rate as numerator / 10^places in safe integers, when it can be (for exact sums in numbers). */
  taxRatio: { numerator: number; scale: number } | undefined;
  /** The base price as money text, by minor digits (filled on first use). */
  priceTexts: (string | undefined)[];
  /** The first change of any of its rules after `from`, in a store zone: also the answer up to `next`. */
  nextChange: { zone: string; from: number; next: number } | undefined;
}

export interface ResolvedLine extends ProductRuleSets {
  /** Position in the cart (every line resolves, or the cart is refused). */
  index: number;
  sku: string;
  qty: number;
  product: CatalogProduct;
  /** The product's entry, the same object for every line of this SKU while the cache lives. */
  source: ProductRules;
}

/**
 * Products by SKU with their candidate rules. One is kept per rule index and catalog, so
 * carts priced from the same ones find their products ready.
 */
export class ProductRulesCache {
  private readonly bySku = new Map<string, ProductRules>();

  constructor(
    private readonly index: RuleIndex,
    private readonly catalog: Catalog,
  ) {}

  get(sku: string): ProductRules | undefined {
    const known = this.bySku.get(sku);
    if (known) return known;
    const product = this.catalog.get(sku);
    if (!product) return undefined;
    const entry: ProductRules = {
      product,
      ...this.index.rulesFor(product),
      taxRateText: product.taxRate.toString(),
      taxRatio: ratioOf(product.taxRate),
      priceTexts: [],
      nextChange: undefined,
    };
    this.bySku.set(sku, entry);
    return entry;
  }
}

function ratioOf(rate: Decimal): { numerator: number; scale: number } | undefined {
  const places = rate.decimalPlaces();
  const numerator = toMinor(rate, places);
  const scale = 10 ** places;
  return Number.isSafeInteger(numerator) && Number.isSafeInteger(scale) && places <= 15
    ? { numerator, scale }
    : undefined;
}

/**
 * Checks the cart lines and finds each product and its candidate rules. A line the same as
 * in `previous` (a session's last cart) at the same place is taken from it.
 */
export function resolveLines(
  lines: readonly CartLine[],
  cache: ProductRulesCache,
  previous?: readonly ResolvedLine[],
): ResolvedLine[] {
  const issues: ValidationIssue[] = [];
  const problem = (index: number, field: string, message: string) =>
    issues.push({ path: `lines[${index}].${field}`, segments: ['lines', index, field], message });
  if (!Array.isArray(lines)) {
    throw new ValidationError('invalid cart', [
      { path: 'lines', segments: ['lines'], message: 'must be a list of lines' },
    ]);
  }
  const resolved: ResolvedLine[] = [];
  lines.forEach((line, index) => {
    if (typeof line?.sku !== 'string' || line.sku.length === 0) {
      problem(index, 'sku', 'must be a SKU');
      return;
    }
    if (!Number.isInteger(line.qty) || line.qty < 1 || line.qty > MAX_LINE_QTY) {
      problem(index, 'qty', `must be a whole number from 1 to ${MAX_LINE_QTY}, got ${JSON.stringify(line.qty)}`);
      return;
    }
    const known = previous?.[index];
    if (known && known.sku === line.sku && known.qty === line.qty) {
      resolved.push(known);
      return;
    }
    const rules = cache.get(line.sku);
    if (!rules) {
      problem(index, 'sku', `unknown product "${line.sku}"`);
      return;
    }
    resolved.push({
      index,
      sku: line.sku,
      qty: line.qty,
      product: rules.product,
      all: rules.all,
      prices: rules.prices,
      lineRules: rules.lineRules,
      thresholds: rules.thresholds,
      shipping: rules.shipping,
      source: rules,
    });
  });
  if (issues.length > 0) throw new ValidationError('invalid cart', issues);
  return resolved;
}

import type { ProductRef } from './compile';
import { describe } from './fields';
import { Decimal, ZERO } from './money';
import { ValidationError, type ValidationIssue } from './validate';

/** A product as callers describe it; `price` is in the base currency. */
export interface ProductInfo {
  price: string;
  category?: string;
  categories?: readonly string[];
  /** Fraction: "0.08875". Default "0". */
  taxRate?: string;
  name?: string;
}

export type ProductSource =
  | ReadonlyMap<string, ProductInfo>
  | Readonly<Record<string, ProductInfo>>
  | readonly (ProductInfo & { sku: string })[];

/** A product parsed for pricing. */
export interface CatalogProduct extends ProductRef {
  readonly price: Decimal;
  readonly taxRate: Decimal;
  readonly name: string | undefined;
}

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Products by SKU, each parsed and checked once, on first use. A terminal or a server keeps
 * one Catalog and prices many carts from it.
 */
export class Catalog {
  private readonly parsed = new Map<string, CatalogProduct>();
  private readonly lookup: (sku: string) => ProductInfo | undefined;

  constructor(source: ProductSource) {
    if (source instanceof Map) {
      this.lookup = (sku) => source.get(sku);
    } else if (Array.isArray(source)) {
      const bySku = new Map<string, ProductInfo>();
      for (const product of source as readonly (ProductInfo & { sku: string })[]) bySku.set(product.sku, product);
      this.lookup = (sku) => bySku.get(sku);
    } else {
      const record = source as Readonly<Record<string, ProductInfo>>;
      this.lookup = (sku) => (Object.hasOwn(record, sku) ? record[sku] : undefined);
    }
  }

  /** The product, or undefined when the catalog has no such SKU. Throws ValidationError for a malformed product. */
  get(sku: string): CatalogProduct | undefined {
    const known = this.parsed.get(sku);
    if (known) return known;
    const info = this.lookup(sku);
    if (info === undefined) return undefined;
    const product = parseProduct(sku, info);
    this.parsed.set(sku, product);
    return product;
  }
}

function parseProduct(sku: string, info: ProductInfo): CatalogProduct {
  const issues: ValidationIssue[] = [];
  const problem = (field: string, message: string) =>
    issues.push({ path: `products.${sku}.${field}`, segments: ['products', sku, field], message });
  if (typeof info?.price !== 'string' || !DECIMAL.test(info.price)) {
    problem(
      'price',
      typeof info?.price === 'string' && info.price.trim().startsWith('-')
        ? `must not be negative (got ${info.price})`
        : `must be a decimal string such as "19.99", got ${describe(info?.price)}`,
    );
  }
  if (info?.taxRate !== undefined && (typeof info.taxRate !== 'string' || !DECIMAL.test(info.taxRate))) {
    problem('taxRate', `must be a fraction as a decimal string such as "0.0825", got ${describe(info.taxRate)}`);
  }
  const categories = [...(info?.categories ?? []), ...(info?.category === undefined ? [] : [info.category])];
  if (categories.some((category) => typeof category !== 'string')) problem('categories', 'must be strings');
  if (issues.length > 0) throw new ValidationError(`invalid product ${sku}`, issues);
  return {
    sku,
    categories: [...new Set(categories)],
    price: new Decimal(info.price),
    taxRate: info.taxRate === undefined ? ZERO : new Decimal(info.taxRate),
    name: info.name,
  };
}

export function isCatalog(value: unknown): value is Catalog {
  return value instanceof Catalog;
}

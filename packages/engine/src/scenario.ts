import { z } from 'zod';
import type { ProductInfo } from './catalog';
import {
  amountSchema,
  currencySchema,
  instantSchema,
  nonEmptyString,
  taxRateSchema,
  timeZoneSchema,
  toEpochMs,
} from './fields';
import { Decimal } from './money';
import { priceCart } from './price-cart';
import type { PricedCart } from './result';
import { indexRules } from './rule-index';
import { ruleSchema } from './rule-schema';
import { issuesFromZod, ValidationError, type ValidationIssue } from './validate';

/**
 * The public scenario format (../shared/pricing-scenarios/FORMAT.md): a small store, a moment,
 * a customer, a cart and the expected result. `parseScenario` checks one, `priceScenario`
 * prices it, `checkScenario` compares with its `expect`.
 */

const expectedLine = z.strictObject({ sku: nonEmptyString, total: amountSchema });

const scenarioSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  description: z.string().optional(),
  currency: currencySchema.optional(),
  baseCurrency: currencySchema.optional(),
  rates: z.record(z.string(), amountSchema).optional(),
  at: instantSchema,
  timeZone: timeZoneSchema.optional(),
  taxIncluded: z.boolean().optional(),
  stacking: z.enum(['withinPriority', 'acrossPriorities']).optional(),
  storeId: z.string().optional(),
  channel: z.string().optional(),
  customer: z.strictObject({ id: z.string().optional(), segments: z.array(nonEmptyString).optional() }).optional(),
  products: z
    .array(
      z.strictObject({
        sku: nonEmptyString,
        price: amountSchema,
        category: nonEmptyString.optional(),
        categories: z.array(nonEmptyString).optional(),
        taxRate: taxRateSchema.optional(),
        name: z.string().optional(),
      }),
    )
    .min(1, 'must list at least one product'),
  rules: z.array(z.unknown()).optional(),
  coupons: z.array(z.string()).optional(),
  shipping: z.strictObject({ price: amountSchema }).optional(),
  lines: z.array(z.strictObject({ sku: nonEmptyString, qty: z.number().int('must be a whole number').min(1) })),
  expect: z
    .strictObject({
      total: amountSchema,
      subtotal: amountSchema.optional(),
      discount: amountSchema.optional(),
      tax: amountSchema.optional(),
      shipping: amountSchema.optional(),
      lines: z.array(expectedLine).optional(),
    })
    .optional(),
});

export type Scenario = z.output<typeof scenarioSchema>;

/** Checks a scenario (every field, rules included); throws ValidationError naming each field at fault. */
export function parseScenario(json: unknown): Scenario {
  const result = scenarioSchema.safeParse(json);
  const issues: ValidationIssue[] = result.success ? [] : issuesFromZod(result.error);
  const rules = (json as { rules?: unknown } | null)?.rules;
  if (Array.isArray(rules)) {
    rules.forEach((rule, index) => {
      const parsed = ruleSchema.safeParse(rule);
      if (!parsed.success) issues.push(...issuesFromZod(parsed.error, ['rules', index]));
    });
  }
  if (result.success) {
    const skus = new Set<string>();
    result.data.products.forEach((product, index) => {
      if (skus.has(product.sku)) {
        issues.push({
          path: `products[${index}].sku`,
          segments: ['products', index, 'sku'],
          message: `${product.sku} is listed twice`,
        });
      }
      skus.add(product.sku);
    });
    result.data.lines.forEach((line, index) => {
      if (!skus.has(line.sku)) {
        issues.push({
          path: `lines[${index}].sku`,
          segments: ['lines', index, 'sku'],
          message: `"${line.sku}" is not in products`,
        });
      }
    });
    const { currency, baseCurrency = 'USD', rates } = result.data;
    if (currency && currency !== baseCurrency && rates?.[currency] === undefined) {
      issues.push({
        path: `rates.${currency}`,
        segments: ['rates', currency],
        message: `is required: the cart is in ${currency} and prices in ${baseCurrency}`,
      });
    }
  }
  if (issues.length > 0 || !result.success) throw new ValidationError('invalid scenario', issues);
  indexRules(result.data.rules ?? []); // duplicate ids and the rest, with rules[i] paths
  return result.data;
}

/** Prices a parsed scenario. */
export function priceScenario(scenario: Scenario): PricedCart {
  const products: Record<string, ProductInfo> = {};
  for (const product of scenario.products) {
    const { sku, ...info } = product;
    products[sku] = info;
  }
  return priceCart({
    at: toEpochMs(scenario.at),
    currency: scenario.currency,
    baseCurrency: scenario.baseCurrency,
    rates: scenario.rates,
    timeZone: scenario.timeZone,
    taxIncluded: scenario.taxIncluded,
    stacking: scenario.stacking,
    storeId: scenario.storeId,
    channel: scenario.channel,
    customer: scenario.customer,
    coupons: scenario.coupons,
    shipping: scenario.shipping,
    lines: scenario.lines,
    products,
    rules: scenario.rules ?? [],
  });
}

export interface Mismatch {
  field: string;
  expected: string;
  actual: string;
}

export interface ScenarioCheck {
  name: string;
  passed: boolean;
  mismatches: Mismatch[];
  cart: PricedCart;
}

/** Prices a scenario and compares every field of its `expect` (amounts compared as numbers: "20" = "20.00"). */
export function checkScenario(scenario: Scenario): ScenarioCheck {
  const cart = priceScenario(scenario);
  const mismatches: Mismatch[] = [];
  const expect = scenario.expect;
  const compare = (field: string, expected: string | undefined, actual: string | undefined) => {
    if (expected === undefined) return;
    if (actual === undefined || !new Decimal(expected).eq(new Decimal(actual))) {
      mismatches.push({ field, expected, actual: actual ?? 'nothing' });
    }
  };
  if (expect) {
    compare('total', expect.total, cart.total);
    compare('subtotal', expect.subtotal, cart.subtotal);
    compare('discount', expect.discount, cart.discount);
    compare('tax', expect.tax, cart.tax);
    compare('shipping', expect.shipping, cart.shipping);
    expect.lines?.forEach((line, index) => {
      const actual = cart.lines[index];
      if (actual?.sku !== line.sku) {
        mismatches.push({ field: `lines[${index}].sku`, expected: line.sku, actual: actual?.sku ?? 'nothing' });
        return;
      }
      compare(`lines[${index}].total`, line.total, actual.total);
    });
    if (expect.lines && expect.lines.length !== cart.lines.length) {
      mismatches.push({
        field: 'lines.length',
        expected: String(expect.lines.length),
        actual: String(cart.lines.length),
      });
    }
  }
  return { name: scenario.name, passed: mismatches.length === 0, mismatches, cart };
}

/**
 * What `pnpm price <file>` prints: the totals and lines (amounts as strings), and with
 * `explain` the reasons in words.
 */
export function scenarioOutput(name: string, cart: PricedCart, explain: boolean): Record<string, unknown> {
  const output: Record<string, unknown> = {
    name,
    currency: cart.currency,
    total: cart.total,
    subtotal: cart.subtotal,
    discount: cart.discount,
    tax: cart.tax,
    shipping: cart.shipping,
    lines: cart.lines.map((line) => ({
      sku: line.sku,
      qty: line.qty,
      unitPrice: line.unitPrice,
      subtotal: line.subtotal,
      discount: line.discount,
      total: line.total,
      tax: line.tax,
      ...(explain
        ? {
            reasons: [
              ...(line.adjustment ? [line.adjustment.text] : []),
              ...line.discounts.map((discount) => discount.text),
            ],
            nearMisses: line.nearMisses.map((miss) => miss.text),
          }
        : {}),
    })),
    rulesUsed: cart.rulesUsed,
    approximate: cart.approximate,
  };
  if (explain) {
    output.explanations = {
      applied: cart.explanations.applied.map((rule) => rule.text),
      nearMisses: cart.explanations.nearMisses.map((miss) => miss.text),
      coupons: cart.explanations.coupons.map((coupon) => coupon.text),
      ...(cart.shippingDiscount !== '0' && !new Decimal(cart.shippingDiscount).isZero()
        ? { shipping: `${cart.shippingCharge} − ${cart.shippingDiscount} = ${cart.shipping}` }
        : {}),
    };
  }
  return output;
}

/** One line per mismatch, for people: `name: field: expected X, got Y`. */
export function describeMismatch(name: string, mismatch: Mismatch): string {
  return `${name}: ${mismatch.field}: expected ${mismatch.expected}, got ${mismatch.actual}`;
}

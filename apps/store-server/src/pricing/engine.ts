import {
  type PricedCart,
  PricingSession,
  type ProductInfo,
  priceCart,
  type Rule,
  RuleIndex,
  ValidationError,
  validateRule,
} from '@till/engine';
import { AppError } from '../errors';

/**
 * The one place the store server meets the pricing engine (`@till/engine`): rules are
 * validated by the engine's own validator when written, indexed once per snapshot, and
 * carts are priced by `priceCart` / a `PricingSession`. Nothing here computes a price.
 */

/** A rule in the engine's JSON format, as its validator normalised it. */
export type EngineRule = Rule & { validFrom?: string; validTo?: string };

export interface RuleIssue {
  /** Field inside the rule, dot-separated like the API's other field names: "tiers.1.minQty". */
  path: string;
  message: string;
}

export type RuleCheck = { ok: true; rule: EngineRule } | { ok: false; issues: RuleIssue[] };

const dotted = (segments: readonly (string | number)[]) => segments.map(String).join('.');

/** Validates one rule with the engine's validator; returns it normalised, or every problem with it. */
export function checkRule(json: unknown): RuleCheck {
  try {
    return { ok: true, rule: validateRule(json) as EngineRule };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { ok: false, issues: error.issues.map((i) => ({ path: dotted(i.segments), message: i.message })) };
  }
}

/** Rules prepared for pricing: the engine's index by SKU and category, built once per snapshot. */
export type PreparedRules = RuleIndex;

/**
 * Rules as the engine validated them, kept from one snapshot to the next: a new snapshot
 * validates only the rules that changed (validating 1,000 rules costs as much as indexing
 * them). One per store; it keeps exactly the rules of the last snapshot it prepared.
 */
export class ValidatedRules {
  private known = new Map<string, Rule>();

  /**
   * The engine's index of `rules`. A stored rule the engine no longer accepts (say, after an
   * upgrade made it stricter) is left out and reported, rather than stopping every price.
   */
  prepare(rules: readonly EngineRule[], onInvalid: (ruleId: string, issues: RuleIssue[]) => void): PreparedRules {
    const next = new Map<string, Rule>();
    const valid: Rule[] = [];
    for (const rule of rules) {
      const key = JSON.stringify(rule);
      let checked = this.known.get(key) ?? next.get(key);
      if (!checked) {
        const result = checkRule(rule);
        if (!result.ok) {
          onInvalid(rule.id, result.issues);
          continue;
        }
        checked = result.rule;
      }
      next.set(key, checked);
      valid.push(checked);
    }
    this.known = next;
    return new RuleIndex(valid);
  }
}

/** The engine's index of `rules`, validating each (see ValidatedRules to keep validations between snapshots). */
export function prepareRules(
  rules: readonly EngineRule[],
  onInvalid: (ruleId: string, issues: RuleIssue[]) => void = () => {},
): PreparedRules {
  return new ValidatedRules().prepare(rules, onInvalid);
}

export type EngineProduct = ProductInfo;

/** Everything but the moment and the lines: what a pricing session is opened with. */
export interface EngineOptions {
  currency: string;
  baseCurrency: string;
  rates?: Record<string, string>;
  timeZone: string;
  taxIncluded: boolean;
  stacking: 'withinPriority' | 'acrossPriorities';
  storeId: string;
  channel: string;
  customer?: { id?: string; segments?: string[] };
  coupons?: string[];
  shipping?: { price: string };
  products: Record<string, EngineProduct>;
  rules: PreparedRules;
}

export interface EngineCartInput extends EngineOptions {
  at: number;
  lines: Array<{ sku: string; qty: number }>;
}

export type EnginePricedCart = PricedCart;

/** The engine refusing input the API let through is a bug of ours or a limit of its: 422 with its words. */
function refused(error: unknown): never {
  if (error instanceof ValidationError) {
    throw new AppError(422, 'PRICING_REFUSED', `The pricing engine refused this cart: ${error.message}`, {
      issues: error.issues.map((i) => ({ path: dotted(i.segments), message: i.message })),
    });
  }
  throw error;
}

export function priceWithEngine(input: EngineCartInput): EnginePricedCart {
  try {
    return priceCart(input);
  } catch (error) {
    refused(error);
  }
}

/** Prices many carts with the same options (a product listing: one single-unit cart per product). */
export function engineSession(
  options: EngineOptions,
): (at: number, lines: EngineCartInput['lines']) => EnginePricedCart {
  let session: PricingSession;
  try {
    session = new PricingSession(options);
  } catch (error) {
    refused(error);
  }
  return (at, lines) => {
    try {
      return session.price(at, lines);
    } catch (error) {
      refused(error);
    }
  };
}

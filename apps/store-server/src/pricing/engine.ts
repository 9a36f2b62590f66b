/**
 * The one place the store server meets the pricing engine (`@till/engine`).
 *
 * PLACEHOLDER until the engine is on main: the types below follow the engine's announced
 * API (a JSON rule model with a validator whose errors carry `issues: [{ path, message }]`,
 * and `priceCart(input)`), and pricing itself refuses with 503 rather than guess a price.
 * When the engine lands this file re-exports it and the placeholder goes.
 */
import { AppError } from '../errors';

/** A rule in the engine's JSON format (see shared/pricing-scenarios/FORMAT.md). */
export interface EngineRule {
  id: string;
  kind: string;
  validFrom?: string;
  validTo?: string;
  [field: string]: unknown;
}

export interface RuleIssue {
  /** Field inside the rule, e.g. "percentOff" or "tiers.1.minQty". */
  path: string;
  message: string;
}

export type RuleCheck = { ok: true; rule: EngineRule } | { ok: false; issues: RuleIssue[] };

/** Validates one rule as the engine will read it. */
export function checkRule(json: unknown): RuleCheck {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, issues: [{ path: '', message: 'must be an object' }] };
  }
  const rule = json as Record<string, unknown>;
  const issues: RuleIssue[] = [];
  if (typeof rule.id !== 'string' || rule.id === '') issues.push({ path: 'id', message: 'must be a non-empty string' });
  if (typeof rule.kind !== 'string') issues.push({ path: 'kind', message: 'must be a rule kind' });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, rule: rule as EngineRule };
}

/** Rules prepared for pricing (the engine's index by SKU and category), built once per snapshot. */
export interface PreparedRules {
  rules: readonly EngineRule[];
}

export function prepareRules(rules: readonly EngineRule[]): PreparedRules {
  return { rules };
}

export interface EngineProduct {
  price: string;
  category?: string;
  taxRate?: string;
}

export interface EngineCartInput {
  at: number;
  currency: string;
  baseCurrency: string;
  rates?: Record<string, string>;
  timeZone: string;
  taxIncluded: boolean;
  stacking: 'withinPriority' | 'acrossPriorities';
  customer?: { id?: string; segments?: string[] };
  coupons?: string[];
  shipping?: { price: string };
  lines: Array<{ sku: string; qty: number }>;
  products: Record<string, EngineProduct>;
  rules: PreparedRules;
}

export type EngineCartResult = never;

export function priceCartWithEngine(_input: EngineCartInput): EngineCartResult {
  throw new AppError(503, 'ENGINE_UNAVAILABLE', 'The pricing engine is not part of this build yet');
}

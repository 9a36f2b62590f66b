import type { ProductRules, ResolvedLine } from './cart-lines';
import type { LineEntry } from './line-entries';
import { compare } from './money';
import type { CartLevelLine, CartLevelRule, ShippingOutcome, ThresholdOutcome } from './rules/cart-level';
import type { DealMemo } from './stacking';

/**
 * What a session keeps between prices of one checkout. Each piece is kept with the facts it
 * was worked out from and used again only while those are the same, so a session prices
 * exactly as priceCart does.
 */
export interface SessionMemo {
  /** Best-deal answers by their inputs. */
  deals: DealMemo;
  /** The lines of the last cart, as resolved. */
  resolved?: readonly ResolvedLine[];
  /** Each line of the last price and its entry, by position. */
  slotLines: ResolvedLine[];
  slotEntries: LineEntry[];
  /** The last threshold and shipping outcomes, with the rules and line amounts they came from. */
  thresholds?: CartLevelAnswer<ThresholdOutcome>;
  shipping?: CartLevelAnswer<ShippingOutcome>;
  /** Each product's lines as last priced, the latest first. */
  lines: Map<ProductRules, LineEntry[]>;
}

export function createSessionMemo(): SessionMemo {
  return { deals: new Map(), lines: new Map(), slotLines: [], slotEntries: [] };
}

/** A cart-level outcome and what it was worked out from (the charge and currency are the session's). */
interface CartLevelAnswer<T> {
  rules: readonly CartLevelRule[];
  outcome: T;
}

/** The session's last answer when the rules and their lines' amounts are the same, else a new one (kept). */
export function remembered<K extends 'thresholds' | 'shipping'>(
  memo: SessionMemo | undefined,
  key: K,
  rules: readonly CartLevelRule[],
  work: () => NonNullable<SessionMemo[K]>['outcome'],
): NonNullable<SessionMemo[K]>['outcome'] {
  const known = memo?.[key];
  if (known && sameCartLevelRules(known.rules, rules)) return known.outcome;
  const outcome = work();
  if (memo) memo[key] = { rules, outcome } as SessionMemo[K];
  return outcome;
}

function sameCartLevelRules(a: readonly CartLevelRule[], b: readonly CartLevelRule[]): boolean {
  if (a.length !== b.length) return false;
  for (let at = 0; at < a.length; at += 1) {
    const one = a[at] as CartLevelRule;
    const other = b[at] as CartLevelRule;
    if (one.rule !== other.rule || one.lines.length !== other.lines.length) return false;
    for (let line = 0; line < one.lines.length; line += 1) {
      const mine = one.lines[line] as CartLevelLine;
      const theirs = other.lines[line] as CartLevelLine;
      if (mine.index !== theirs.index || compare(mine.amount, theirs.amount) !== 0) return false;
    }
  }
  return true;
}

import type { CompiledRule } from './compile';
import type { TimeZones } from './time-zones';

/** Why a rule does not apply apart from the products: the words of a near miss. */
export type Unmet = 'store' | 'channel' | 'segment' | 'coupon' | 'window';

/** The facts a rule's conditions are checked against. */
export interface ConditionFacts {
  readonly at: number;
  readonly timeZone: string;
  readonly zones: TimeZones;
  readonly storeId: string | undefined;
  readonly channel: string | undefined;
  readonly segments: ReadonlySet<string>;
  /** Codes in effect for this pricing (normalised). */
  readonly coupons: ReadonlySet<string>;
}

const NONE_UNMET: readonly Unmet[] = Object.freeze([]);

/** Every condition a rule fails (empty: the rule is in force). Store and channel come first. */
export function unmetConditions(rule: CompiledRule, facts: ConditionFacts): readonly Unmet[] {
  const store = rule.stores !== undefined && (facts.storeId === undefined || !rule.stores.has(facts.storeId));
  const channel = rule.channels !== undefined && (facts.channel === undefined || !rule.channels.has(facts.channel));
  const segment = rule.segments !== undefined && !someIn(rule.segments, facts.segments);
  const coupon = rule.coupons !== undefined && !someIn(rule.coupons, facts.coupons);
  const window = !rule.schedule.always && !rule.schedule.isActiveAt(facts.at, facts.zones, facts.timeZone);
  if (!store && !channel && !segment && !coupon && !window) return NONE_UNMET;
  const unmet: Unmet[] = [];
  if (store) unmet.push('store');
  if (channel) unmet.push('channel');
  if (segment) unmet.push('segment');
  if (coupon) unmet.push('coupon');
  if (window) unmet.push('window');
  return unmet;
}

function someIn(wanted: ReadonlySet<string>, have: ReadonlySet<string>): boolean {
  for (const value of have) if (wanted.has(value)) return true;
  return false;
}

/**
 * Remembers each rule's conditions for one pricing (one moment, one customer), so a rule
 * that many lines share is checked once.
 */
export class ConditionCache {
  private readonly results = new Map<number, readonly Unmet[]>();

  constructor(readonly facts: ConditionFacts) {}

  unmet(rule: CompiledRule): readonly Unmet[] {
    let result = this.results.get(rule.ordinal);
    if (!result) {
      result = unmetConditions(rule, this.facts);
      this.results.set(rule.ordinal, result);
    }
    return result;
  }

  inForce(rule: CompiledRule): boolean {
    return this.unmet(rule).length === 0;
  }

  /** The rules of a list that are in force, in its order (the same list when all are). */
  inForceOf(rules: readonly CompiledRule[]): readonly CompiledRule[] {
    let kept: CompiledRule[] | undefined;
    for (let at = 0; at < rules.length; at += 1) {
      const rule = rules[at] as CompiledRule;
      if (this.inForce(rule)) kept?.push(rule);
      else kept ??= rules.slice(0, at);
    }
    return kept ?? rules;
  }
}

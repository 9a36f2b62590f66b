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

/** Every condition a rule fails (empty: the rule is in force). Store and channel come first. */
export function unmetConditions(rule: CompiledRule, facts: ConditionFacts): Unmet[] {
  const unmet: Unmet[] = [];
  if (rule.stores && (facts.storeId === undefined || !rule.stores.has(facts.storeId))) unmet.push('store');
  if (rule.channels && (facts.channel === undefined || !rule.channels.has(facts.channel))) unmet.push('channel');
  if (rule.segments && !someIn(rule.segments, facts.segments)) unmet.push('segment');
  if (rule.coupons && !someIn(rule.coupons, facts.coupons)) unmet.push('coupon');
  if (!rule.schedule.always && !rule.schedule.isActiveAt(facts.at, facts.zones, facts.timeZone)) unmet.push('window');
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
}

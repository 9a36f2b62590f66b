import { RuleIndex } from './rule-index';
import type { Rule } from './rule-schema';
import { CompiledSchedule } from './schedule';
import { TimeZones } from './time-zones';
import { validateRule } from './validate';

/**
 * When rules are in force, by their time fields only (validFrom, validTo, recurrence); the
 * customer, coupons and store are checked when pricing. For one rule these build its schedule
 * on the spot; for many, ask a RuleIndex (activeDuring, nextChange), which keeps what it learns.
 */

function scheduleOf(rule: Rule): CompiledSchedule {
  return new CompiledSchedule(validateRule(rule));
}

/** Whether the rule's time window holds at `at` (epoch ms) in the store zone. */
export function isActiveAt(rule: Rule, at: number, timeZone = 'UTC'): boolean {
  return scheduleOf(rule).isActiveAt(at, new TimeZones(), timeZone);
}

/** Whether the rule is active at any instant of [from, to]. */
export function isActiveDuring(rule: Rule, from: number, to: number, timeZone = 'UTC'): boolean {
  return scheduleOf(rule).isActiveDuring(from, to, new TimeZones(), timeZone);
}

/**
 * The next instant after `from` at which any of the rules starts or stops (window edges,
 * recurring or not), or null when none changes within the horizon (CHANGE_HORIZON_DAYS).
 */
export function nextPriceChange(rules: RuleIndex | readonly Rule[], from: number, timeZone = 'UTC'): number | null {
  const index = rules instanceof RuleIndex ? rules : new RuleIndex(rules.map((rule) => validateRule(rule)));
  return index.nextChange(from, timeZone);
}

import type { ResolvedLine } from './cart-lines';
import { type CompiledRule, inRuleOrder } from './compile';
import type { ConditionCache } from './conditions';
import { couponText, segmentText, spendMoreText, title, unitsShortText, type Words, windowText } from './explain';
import { formatPercent, moneyString } from './money';
import type { NearMiss, NearMissReason } from './result';
import type { ShippingOutcome, ThresholdOutcome } from './rules/cart-level';
import { tierReached } from './rules/unit-discount';
import type { LineRuleOutcome } from './stacking';
import { formatLocalTime, type TimeZones } from './time-zones';

/** A window that opens within this time counts as a near miss ("starts at 10:00"). */
export const UPCOMING_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface NearMissFacts {
  lines: readonly ResolvedLine[];
  conditions: ConditionCache;
  /** Codes the customer entered (normalised), in effect or not. */
  enteredCoupons: readonly string[];
  tierCounts: ReadonlyMap<number, number>;
  lineRulesInForce: readonly (readonly CompiledRule[])[];
  lineOutcome: LineRuleOutcome;
  thresholds: ThresholdOutcome;
  shipping: ShippingOutcome;
  words: Words;
  zones: TimeZones;
  timeZone: string;
}

/**
 * Rules that nearly applied, with the one thing missing: a coupon, a segment, a window about
 * to open, units to complete a tier or a set, or money to reach a threshold. A rule that
 * fails for more than one reason, or only for the store or channel, is not a near miss.
 */
export function findNearMisses(facts: NearMissFacts): NearMiss[] {
  const misses: NearMiss[] = [];
  const say = facts.words;
  // The rules of the cart's lines, each once, in rule order.
  const rules: CompiledRule[] = [];
  for (const line of facts.lines) for (const rule of line.all) rules.push(rule);
  inRuleOrder(rules);
  const linesOf = (rule: CompiledRule) => {
    const lines: number[] = [];
    for (const line of facts.lines) if (line.all.includes(rule)) lines.push(line.index);
    return lines;
  };
  for (let position = 0; position < rules.length; position += 1) {
    const rule = rules[position] as CompiledRule;
    if (rule === rules[position - 1]) continue;
    const unmet = facts.conditions.unmet(rule);
    if (unmet.length === 1) {
      const reason = unmet[0];
      if (reason === 'segment') {
        misses.push(nearMiss(rule, linesOf(rule), 'segment', segmentText(rule, say)));
      } else if (reason === 'coupon' && !facts.enteredCoupons.some((code) => rule.coupons?.has(code))) {
        misses.push(nearMiss(rule, linesOf(rule), 'coupon', couponText(rule, say)));
      } else if (reason === 'window') {
        const at = facts.conditions.facts.at;
        const opens = rule.schedule.nextChange(at, facts.zones, facts.timeZone);
        if (opens !== null && opens - at <= UPCOMING_WINDOW_MS) {
          const when = formatLocalTime(opens, facts.zones.get(rule.schedule.recurrence?.timeZone ?? facts.timeZone));
          misses.push(nearMiss(rule, linesOf(rule), 'window', windowText(rule, say, when), { startsAt: opens }));
        }
      }
      continue;
    }
    if (unmet.length > 0) continue;
    if (rule.kind === 'tiered') {
      const count = facts.tierCounts.get(rule.ordinal) ?? 0;
      const reached = tierReached(rule.tiers, count);
      const next = rule.tiers.find((tier) => tier.minQty > count);
      if (next && count * 2 >= next.minQty) {
        const units = next.minQty - count;
        const benefit = next.benefit;
        const what =
          benefit.type === 'percent'
            ? `${formatPercent(benefit.percent)} off`
            : reached
              ? 'the next tier'
              : title(rule, say);
        misses.push(
          nearMiss(rule, linesOf(rule), 'quantity', unitsShortText(rule, say, units, what), { unitsShort: units }),
        );
      }
    } else if (rule.kind === 'mixMatch') {
      const short = unitsShortOfSet(rule, facts);
      if (short !== undefined) {
        misses.push(nearMiss(rule, linesOf(rule), 'quantity', unitsShortText(rule, say, short), { unitsShort: short }));
      }
    }
  }
  for (const shortfall of [...facts.thresholds.shortfalls, ...facts.shipping.shortfalls]) {
    misses.push(
      nearMiss(
        shortfall.rule,
        shortfall.lines.slice(),
        'threshold',
        spendMoreText(shortfall.rule, say, shortfall.shortBy),
        {
          shortBy: moneyString(shortfall.shortBy, say.currency),
        },
      ),
    );
  }
  return misses;
}

/** A near miss, its fields in one order: rule, lines, reason, the detail of the reason, text. */
function nearMiss(
  rule: CompiledRule,
  lines: number[],
  reason: NearMissReason,
  text: string,
  detail?: Pick<NearMiss, 'startsAt' | 'unitsShort' | 'shortBy'>,
): NearMiss {
  const miss = (
    rule.name
      ? { ruleId: rule.id, kind: rule.kind, name: rule.name, lines, reason }
      : { ruleId: rule.id, kind: rule.kind, lines, reason }
  ) as NearMiss;
  if (detail) Object.assign(miss, detail);
  miss.text = text;
  return miss;
}

/** Units missing for one set of a deal that formed none, when some but not all are there. */
function unitsShortOfSet(rule: CompiledRule, facts: NearMissFacts): number | undefined {
  const applied = facts.lineOutcome.lots.some((lot) => lot.discounts.some((part) => part.rule === rule));
  if (applied) return undefined;
  let short = 0;
  let present = 0;
  for (const group of rule.groups) {
    let units = 0;
    facts.lines.forEach((line, position) => {
      if (facts.lineRulesInForce[position]?.includes(rule) && group.matcher.matches(line.product)) units += line.qty;
    });
    present += Math.min(units, group.qty);
    short += Math.max(0, group.qty - units);
  }
  return short > 0 && present > 0 ? short : undefined;
}

import type { CompiledRule } from './compile';
import { type Decimal, formatForPeople, formatPercent } from './money';

/**
 * Words for people: what a rule does, what it took off, and why it did not apply when it
 * nearly did. Short enough for a receipt line or a customer display.
 */

export interface Words {
  currency: string;
  /** Base-currency amount → cart money. */
  convert: (amount: Decimal) => Decimal;
  /** Titles already written in these words (one pricing's worth). */
  titles?: Map<CompiledRule, string>;
}

function money(words: Words, amount: Decimal): string {
  return formatForPeople(words.convert(amount), words.currency);
}

/** What the rule gives: "15% off", "$5.00 off each", "Buy 2, cheapest free", "Free shipping on orders of $50.00". */
export function describeRule(rule: CompiledRule, words: Words): string {
  switch (rule.kind) {
    case 'price':
      return `Special price ${money(words, rule.price as Decimal)}`;
    case 'priceList':
      return 'Price list';
    case 'discount': {
      const benefit = rule.benefit;
      if (benefit?.type === 'percent') return `${formatPercent(benefit.percent)} off`;
      if (benefit?.type === 'amount') return `${money(words, benefit.amount)} off each`;
      return 'Discount';
    }
    case 'tiered': {
      const first = rule.tiers[0];
      if (!first) return 'Bulk price';
      return `${tierWords(first.benefit, words)} from ${first.minQty} units`;
    }
    case 'mixMatch':
      return dealWords(rule, words);
    case 'threshold':
      return `${benefitWords(rule, words)} orders of ${money(words, rule.minSubtotal as Decimal)}`;
    case 'shipping': {
      const minimum = rule.minSubtotal as Decimal;
      const what =
        rule.benefit?.type === 'free'
          ? 'Free shipping'
          : rule.benefit?.type === 'percent'
            ? `${formatPercent(rule.benefit.percent)} off shipping`
            : `${money(words, rule.benefit?.type === 'amount' ? rule.benefit.amount : minimum)} off shipping`;
      return minimum.isZero() ? what : `${what} on orders of ${money(words, minimum)}`;
    }
  }
}

function benefitWords(rule: CompiledRule, words: Words): string {
  const benefit = rule.benefit;
  if (benefit?.type === 'percent') return `${formatPercent(benefit.percent)} off`;
  if (benefit?.type === 'amount') return `${money(words, benefit.amount)} off`;
  return 'Discount on';
}

function tierWords(benefit: CompiledRule['tiers'][number]['benefit'], words: Words): string {
  switch (benefit.type) {
    case 'percent':
      return `${formatPercent(benefit.percent)} off`;
    case 'amount':
      return `${money(words, benefit.amount)} off each`;
    case 'price':
      return `${money(words, benefit.price)} each`;
    case 'free':
      return 'Free';
  }
}

function dealWords(rule: CompiledRule, words: Words): string {
  const size = rule.groups.reduce((sum, group) => sum + group.qty, 0);
  const marked = rule.groups.some((group) => group.discounted);
  const buy = marked
    ? `Buy ${rule.groups
        .filter((group) => !group.discounted)
        .reduce((sum, group) => sum + group.qty, 0)}, get ${rule.groups
        .filter((group) => group.discounted)
        .reduce((sum, group) => sum + group.qty, 0)}`
    : `Buy ${size}`;
  const benefit = rule.dealBenefit;
  switch (benefit?.type) {
    case 'leastExpensiveFree':
      return marked ? `${buy} free (cheapest)` : `${buy}, cheapest free`;
    case 'dealPrice':
      return marked ? `${buy} for ${money(words, benefit.price)}` : `${size} for ${money(words, benefit.price)}`;
    case 'percent':
      return marked && benefit.percent.eq(100) ? `${buy} free` : `${buy}: ${formatPercent(benefit.percent)} off`;
    case 'amount':
      return `${buy}: ${money(words, benefit.amount)} off`;
    default:
      return buy;
  }
}

/** "Gold members 15% (15% off)" or just "15% off" when the rule has no name. */
export function title(rule: CompiledRule, words: Words): string {
  const known = words.titles?.get(rule);
  if (known) return known;
  const description = describeRule(rule, words);
  // A name that already says what the rule does ("Coupon SAVE10: 10% off") is not repeated.
  const named = rule.name && !rule.name.toLowerCase().includes(description.toLowerCase());
  const text = named ? `${rule.name} (${description})` : rule.name || description;
  words.titles?.set(rule, text);
  return text;
}

export function appliedText(rule: CompiledRule, words: Words, amount: Decimal): string {
  return `${title(rule, words)}: −${formatForPeople(amount, words.currency)}`;
}

export function couponText(rule: CompiledRule, words: Words): string {
  return `Needs a coupon code: ${title(rule, words)}`;
}

export function segmentText(rule: CompiledRule, words: Words): string {
  const segments = [...(rule.segments ?? [])].join(' or ');
  return `For ${segments} customers only: ${title(rule, words)}`;
}

export function windowText(rule: CompiledRule, words: Words, startsAt: string): string {
  return `Starts ${startsAt}: ${title(rule, words)}`;
}

export function spendMoreText(rule: CompiledRule, words: Words, shortBy: Decimal): string {
  return `Spend ${formatForPeople(shortBy, words.currency)} more to get ${lowerFirst(title(rule, words))}`;
}

export function unitsShortText(rule: CompiledRule, words: Words, units: number, what?: string): string {
  return `Add ${units} more to get ${lowerFirst(what ?? title(rule, words))}`;
}

function lowerFirst(text: string): string {
  return text.length > 1 && /^[A-Z][a-z]/.test(text) ? text[0]?.toLowerCase() + text.slice(1) : text;
}

import type { ResolvedLine } from './cart-lines';
import { unmetConditions } from './conditions';
import type { Words } from './explain';
import { formatForPeople } from './money';
import type { PricingRequest } from './pipeline';
import type { CouponOutcome, PricedCart } from './result';

/**
 * What became of each code the customer entered: applied, not valid, not applicable (and
 * why), or not combined with a better coupon that may not be combined with others.
 */
export function describeCoupons(
  request: PricingRequest,
  lines: readonly ResolvedLine[],
  cart: PricedCart,
  inEffect: readonly string[],
  words: Words,
): CouponOutcome[] {
  const used = new Set(cart.rulesUsed);
  return request.context.coupons.map((code): CouponOutcome => {
    const rules = request.index.rulesWithCoupon(code);
    if (rules.length === 0) return { code, status: 'unknown', text: `Coupon ${code} is not valid` };
    if (!inEffect.includes(code)) {
      const others = inEffect.join(', ');
      return {
        code,
        status: 'notCombined',
        text: others
          ? `Coupon ${code} cannot be combined with ${others}; the better deal was kept`
          : `Coupon ${code} cannot be combined with other coupons; the better deal was kept`,
      };
    }
    if (rules.some((rule) => used.has(rule.id))) return { code, status: 'applied', text: `Coupon ${code} applied` };
    return { code, status: 'notApplicable', text: whyNot(code, request, lines, cart, words) };
  });
}

function whyNot(
  code: string,
  request: PricingRequest,
  lines: readonly ResolvedLine[],
  cart: PricedCart,
  words: Words,
): string {
  const rules = request.index.rulesWithCoupon(code);
  const inCart = rules.filter((rule) => lines.some((line) => line.all.includes(rule)));
  if (inCart.length === 0) return `Coupon ${code} does not apply to the items in the cart`;
  const facts = {
    at: request.at,
    timeZone: request.context.timeZone,
    zones: request.index.zones,
    storeId: request.context.storeId,
    channel: request.context.channel,
    segments: request.context.segments,
    coupons: new Set([code]),
  };
  const unmet = unmetConditions(inCart[0] as (typeof inCart)[number], facts);
  if (unmet.includes('store') || unmet.includes('channel')) return `Coupon ${code} is not valid here`;
  if (unmet.includes('window')) return `Coupon ${code} is not valid at this time`;
  if (unmet.includes('segment')) {
    const segments = [...((inCart[0] as (typeof inCart)[number]).segments ?? [])].join(' or ');
    return `Coupon ${code} is for ${segments} customers only`;
  }
  const short = cart.explanations.nearMisses.find(
    (miss) => miss.reason === 'threshold' && inCart.some((rule) => rule.id === miss.ruleId),
  );
  if (short?.shortBy) {
    return `Spend ${formatForPeople(short.shortBy, words.currency)} more to use coupon ${code}`;
  }
  return `Coupon ${code} gives nothing more on this cart: a better deal already applies`;
}

import type { ProductRules, ResolvedLine } from './cart-lines';
import type { PricingRequest } from './pipeline';

/** The first change after `at` of any rule that can concern this cart. */
export function nextChangeOf(lines: readonly ResolvedLine[], request: PricingRequest): number | null {
  let next: number | null = null;
  for (const line of lines) {
    const change = productNextChange(line.source, request);
    if (change !== null && (next === null || change < next)) next = change;
  }
  return next;
}

/**
 * The first change after `at` of any rule of a product. Nothing changes before it, so it is
 * also the answer from any later instant up to it: the product keeps it for those — unless a
 * recurring rule saw no change within the horizon, which may come into sight later.
 */
function productNextChange(product: ProductRules, request: PricingRequest): number | null {
  const { at } = request;
  const zone = request.context.timeZone;
  const known = product.nextChange;
  if (known && known.zone === zone && at >= known.from && at < known.next) return known.next;
  let next: number | null = null;
  let lasting = true;
  for (const rule of product.all) {
    if (rule.schedule.always) continue;
    const change = rule.schedule.nextChange(at, request.index.zones, zone);
    if (change === null) lasting &&= rule.schedule.recurrence === undefined;
    else if (next === null || change < next) next = change;
  }
  product.nextChange = next !== null && lasting ? { zone, from: at, next } : undefined;
  return next;
}

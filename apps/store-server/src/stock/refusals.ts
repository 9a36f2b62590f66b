import type { Hold, HoldResult, Refusal, RefusalCode } from './authority';

/** A refusal's numbers, as the SQL functions and Lua scripts return them. */
export type RefusalFacts = Omit<Refusal, 'message'>;

const units = (n: number) => `${n} ${n === 1 ? 'unit' : 'units'}`;

/** Words a shopper can read for every refusal, built from its numbers (one place for all modes). */
export function describeRefusal(facts: RefusalFacts): Refusal {
  const sku = facts.sku ?? 'this item';
  const message = ((): string => {
    switch (facts.code) {
      case 'SOLD_OUT':
        return `${sku} is sold out`;
      case 'HELD_BY_OTHERS':
        return `Every unit of ${sku} is in other shoppers' carts; the first of those holds expires at ${facts.firstExpiresAt ?? 'a moment'}`;
      case 'ALREADY_HOLDS_LAST':
        return `You already hold the last ${units(facts.youHold ?? 0)} of ${sku}`;
      case 'NOT_ENOUGH':
        return `Only ${units(facts.available ?? 0)} of ${sku} can be held now; ${facts.requested ?? 0} asked for in total${facts.youHold ? ` (you hold ${facts.youHold})` : ''}`;
      case 'LIMIT_PER_CUSTOMER':
        return `At most ${units(facts.limit ?? 0)} of ${sku} per customer; ${facts.requested ?? 0} asked for`;
      case 'HOLD_EXPIRED':
        return `Hold ${facts.holdId ?? ''} expired at ${facts.expiredAt ?? 'an earlier time'}; add the item again`.replace(
          '  ',
          ' ',
        );
      case 'NO_HOLD':
        return `There is no active hold ${facts.holdId ?? ''}`.trim();
      case 'UNKNOWN_SKU':
        return `Product ${sku} was not found`;
    }
  })();
  return { ...facts, message };
}

/** The hold.* payload shape written by SQL (stock_hold_payload) and by the Redis persister. */
export type HoldPayload = Omit<Hold, 'expiresAt'> & { expiresAt: string };

export function holdFromPayload(p: HoldPayload): Hold {
  return {
    holdId: p.holdId,
    storeId: p.storeId,
    sku: p.sku,
    holderId: p.holderId,
    cartId: p.cartId,
    qty: p.qty,
    state: p.state,
    expiresAt: Date.parse(p.expiresAt),
    reason: p.reason,
    orderId: p.orderId,
  };
}

/** The answer of a hold decision as SQL returns it. */
export type RawHoldResult =
  | { ok: true; created: boolean; hold: HoldPayload }
  | ({ ok: false; code: RefusalCode } & Partial<RefusalFacts>);

export function toHoldResult(raw: RawHoldResult): HoldResult {
  if (raw.ok) return { ok: true, created: raw.created, hold: holdFromPayload(raw.hold) };
  const { ok: _ok, ...facts } = raw;
  return { ok: false, refusal: describeRefusal(facts) };
}

/**
 * Why a holder cannot use a hold now (at checkout, or when a cart is loaded), or undefined
 * when the hold is active and theirs.
 */
export function holdProblem(
  hold: Pick<Hold, 'holderId' | 'state' | 'expiresAt' | 'sku' | 'reason'> | undefined,
  holdId: string,
  holderId: string,
  now: number,
): Refusal | undefined {
  if (!hold || hold.holderId !== holderId) return describeRefusal({ code: 'NO_HOLD', holdId });
  if (hold.state === 'expired' || (hold.state === 'active' && hold.expiresAt <= now)) {
    return describeRefusal({
      code: 'HOLD_EXPIRED',
      holdId,
      sku: hold.sku,
      expiredAt: new Date(hold.expiresAt).toISOString(),
    });
  }
  if (hold.state !== 'active') {
    const refusal = describeRefusal({ code: 'NO_HOLD', holdId, sku: hold.sku });
    return { ...refusal, message: `${refusal.message}: ${hold.reason ?? `it is ${hold.state}`}` };
  }
  return undefined;
}

import type { Handler } from './outcome';

/** The cash drawer opened without a sale: on the record with who and why, and the manager hears of it. */
export const applyDrawerOpen: Handler<'drawer_open'> = async (ctx, item) => {
  const opening = item.payload;
  return {
    status: 'accepted',
    details: {},
    row: {
      sql: `INSERT INTO drawer_openings (id, store_id, terminal_id, opened_at, cashier, reason)
            VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6)`,
      values: [item.id, ctx.storeId, ctx.terminalId, opening.openedAt, opening.cashier, opening.reason],
    },
    events: [
      {
        storeId: ctx.storeId,
        type: 'drawer.opened',
        payload: {
          openingId: item.id,
          storeId: ctx.storeId,
          terminalId: ctx.terminalId,
          openedAt: new Date(opening.openedAt).toISOString(),
          cashier: opening.cashier,
          reason: opening.reason,
        },
      },
    ],
  };
};

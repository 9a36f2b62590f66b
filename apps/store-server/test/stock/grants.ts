import { newHoldId } from '../../src/stock/redis/hold-ids';
import type { GrantOp } from '../../src/stock/redis/persister';
import { STORE } from './harness';

/** The moment the persister tests' decisions are made at. */
export const T0 = Date.UTC(2026, 0, 1);

export type Grant = GrantOp & { op: 'grant' };

/** A new hold as Redis mode hands it to the persister: granted at T0, for 15 minutes. */
export const grant = (sku: string, holderId: string, qty: number, holdId = newHoldId()): Grant => ({
  op: 'grant',
  holdId,
  storeId: STORE,
  sku,
  holderId,
  cartId: '',
  qty,
  bucket: 0,
  expiresAt: T0 + 900_000,
  createdAt: T0,
  at: T0,
});

import { describe } from 'vitest';
import { PostgresStockAuthority } from '../src/stock/postgres/authority';
import { stockAuthorityContract } from './stock/contract';
import { TestClock } from './stock/harness';
import { createTestDatabase } from './support';

describe('StockAuthority contract: Postgres mode', () => {
  stockAuthorityContract(async () => {
    const db = await createTestDatabase({ demo: true });
    const clock = new TestClock();
    const authority = new PostgresStockAuthority({ db: db.pool, clock: clock.read, settingsTtlMs: 0 });
    await authority.start();
    return {
      db,
      authority,
      clock,
      close: async () => {
        await authority.stop();
        await db.drop();
      },
    };
  });
});

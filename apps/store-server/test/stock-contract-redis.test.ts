import { describe } from 'vitest';
import { stockAuthorityContract } from './stock/contract';
import { redisHarness } from './stock/redis';
import { redisUrl } from './support';

const url = redisUrl();

describe.skipIf(!url)('StockAuthority contract: Redis mode', () => {
  stockAuthorityContract(() => redisHarness(url as string));
});

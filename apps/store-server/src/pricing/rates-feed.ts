import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { inTransaction } from '../db/pool';
import { AppError } from '../errors';
import { parseEcbDailyXml } from './ecb-feed';
import { type RatesSnapshot, storeRatesSnapshot } from './rates';

/**
 * Fetches exchange rates from a feed in the ECB daily XML format (the pricing plugin runs it
 * at start and then every interval). A feed that fails (unreachable, not XML, malformed)
 * changes nothing: the rates already stored keep pricing carts, the failure is logged and
 * shown in `status()`. Several server instances may fetch the same publication; it is
 * stored once.
 */

export interface RatesFeedStatus {
  url: string;
  intervalMs: number;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastSnapshotId: string | null;
}

export interface RatesFeedResult {
  outcome: 'stored' | 'unchanged';
  snapshot: RatesSnapshot;
}

export class RatesFeed {
  private running: Promise<RatesFeedResult> | undefined;
  private readonly state: RatesFeedStatus;

  constructor(
    private readonly db: pg.Pool,
    private readonly options: { url: string; intervalMs: number; timeoutMs: number },
    private readonly logger: FastifyBaseLogger,
  ) {
    this.state = {
      url: options.url,
      intervalMs: options.intervalMs,
      lastAttemptAt: null,
      lastSuccessAt: null,
      lastError: null,
      lastSnapshotId: null,
    };
  }

  status(): RatesFeedStatus {
    return { ...this.state };
  }

  /** Fetches once (joining a fetch already under way); throws 502 RATES_FEED_FAILED saying why. */
  fetchNow(): Promise<RatesFeedResult> {
    this.running ??= this.fetchOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async fetchOnce(): Promise<RatesFeedResult> {
    const { url, timeoutMs } = this.options;
    this.state.lastAttemptAt = new Date().toISOString();
    try {
      const text = await download(url, timeoutMs);
      let parsed: ReturnType<typeof parseEcbDailyXml>;
      try {
        parsed = parseEcbDailyXml(text);
      } catch (error) {
        throw new Error(`the feed at ${url} is not in the ECB reference-rates format: ${(error as Error).message}`);
      }
      const urlHash = createHash('sha256').update(url).digest('hex').slice(0, 8);
      const result = await inTransaction(this.db, (client) =>
        storeRatesSnapshot(client, {
          id: `ecb-${parsed.date}-${urlHash}`,
          base: parsed.base,
          asOf: new Date(`${parsed.date}T00:00:00.000Z`),
          source: 'feed',
          sourceUrl: url,
          rates: parsed.rates,
        }),
      );
      this.state.lastSuccessAt = new Date().toISOString();
      this.state.lastError = null;
      this.state.lastSnapshotId = result.snapshot.id;
      if (result.created) {
        this.logger.info(
          { snapshot: result.snapshot.id, currencies: Object.keys(parsed.rates).length },
          'rates stored',
        );
      }
      return { outcome: result.created ? 'stored' : 'unchanged', snapshot: result.snapshot };
    } catch (error) {
      const message = (error as Error).message;
      this.state.lastError = message;
      this.logger.warn({ url }, `exchange-rate feed failed; the stored rates stay in use: ${message}`);
      throw new AppError(502, 'RATES_FEED_FAILED', `Fetching exchange rates failed: ${message}`, { url });
    }
  }
}

async function download(url: string, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/xml' } });
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.message ?? e.message);
    throw new Error(`cannot reach ${url}: ${why}`);
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}`);
  return response.text();
}

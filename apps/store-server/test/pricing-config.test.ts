import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('pricing configuration', () => {
  it('has working defaults: no feed, the bundled GeoIP database, generous storefront limits', () => {
    const config = loadConfig({});
    expect(config.ratesFeed).toBeUndefined();
    expect(config.geoipDatabase).toBeUndefined();
    expect(config.rateLimits).toEqual({
      windowMs: 60_000,
      perRole: { storefront: 3_000_000, terminal: 12_000, manager: 6_000, admin: 6_000 },
    });
  });

  it('reads a feed and limits, and names each bad variable', () => {
    const config = loadConfig({
      RATES_FEED_URL: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml',
      RATES_FEED_INTERVAL_MS: '3600000',
      RATE_LIMIT_STOREFRONT: '0',
    });
    expect(config.ratesFeed).toEqual({
      url: 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml',
      intervalMs: 3_600_000,
      timeoutMs: 10_000,
    });
    expect(config.rateLimits.perRole.storefront).toBe(0);
    let problems: string[] = [];
    try {
      loadConfig({ RATES_FEED_URL: 'ftp://rates', RATE_LIMIT_MANAGER: '-1', RATES_FEED_INTERVAL_MS: '5' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'RATES_FEED_INTERVAL_MS',
      'RATES_FEED_URL',
      'RATE_LIMIT_MANAGER',
    ]);
    expect(problems.find((p) => p.startsWith('RATES_FEED_URL'))).toContain('must be a URL like https://');
  });
});

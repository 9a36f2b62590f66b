import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has a working default for every variable', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.seedDemo).toBe(true);
    expect(config.dataDir).toMatch(/\.till$/);
    expect(config.holdPersistIntervalMs).toBe(5);
  });

  it('treats a blank optional URL as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ', REDIS_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('names the variable and the problem for a malformed DATABASE_URL', () => {
    const [problem] = problems({ DATABASE_URL: 'mysql://localhost/till' });
    expect(problem).toMatch(/^DATABASE_URL must be a URL like postgres:\/\//);
    expect(problem).toContain('mysql://localhost/till');
  });

  it('hides a password when it shows the bad value', () => {
    const [problem] = problems({ REDIS_URL: 'http://user:secret@host' });
    expect(problem).toContain('REDIS_URL');
    expect(problem).not.toContain('secret');
  });

  it('reports every bad variable at once', () => {
    const found = problems({ PORT: 'eighty', TILL_SEED_DEMO: 'maybe', LOG_LEVEL: 'loud', EMBEDDED_PG_PORT: '70000' });
    expect(found.map((p) => p.split(' ')[0]).sort()).toEqual([
      'EMBEDDED_PG_PORT',
      'LOG_LEVEL',
      'PORT',
      'TILL_SEED_DEMO',
    ]);
    expect(found.find((p) => p.startsWith('PORT'))).toContain('whole number');
  });

  it('keeps the hold batch window between 1 ms and 1 s', () => {
    expect(problems({ HOLD_PERSIST_INTERVAL_MS: '0' })).toEqual([
      'HOLD_PERSIST_INTERVAL_MS must be at least 1 (got "0")',
    ]);
    expect(problems({ HOLD_PERSIST_INTERVAL_MS: '5000' })[0]).toMatch(/^HOLD_PERSIST_INTERVAL_MS must be at most 1000/);
    expect(loadConfig({ HOLD_PERSIST_INTERVAL_MS: '20' }).holdPersistIntervalMs).toBe(20);
  });

  it('accepts real values', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://till:pw@db:5432/till',
      REDIS_URL: 'redis://cache:6379',
      RABBITMQ_URL: 'amqp://guest:guest@mq:5672',
      TILL_SEED_DEMO: 'false',
    });
    expect(config).toMatchObject({ port: 8080, seedDemo: false, redisUrl: 'redis://cache:6379' });
  });
});

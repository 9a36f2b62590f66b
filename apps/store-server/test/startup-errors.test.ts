import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './support';
import { cleanEnv, startCommand } from './support/process';

/** Bad configuration stops the server with one clear message, not a stack trace. */
async function startExpectingFailure(env: Record<string, string>): Promise<string> {
  const started = startCommand('pnpm', ['start'], cleanEnv(env));
  const timer = setTimeout(() => started.kill(), 60_000);
  const { code } = await started.exited;
  clearTimeout(timer);
  const output = started.output();
  expect(code, output).not.toBe(0);
  expect(output).toContain('Till could not start:');
  expect(output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  return output;
}

describe('startup errors', () => {
  it('names a malformed DATABASE_URL', async () => {
    const out = await startExpectingFailure({ DATABASE_URL: 'localhost:5432/till', PORT: '0' });
    expect(out).toContain('DATABASE_URL must be a URL like postgres://');
  });

  it('says when the database does not answer', async () => {
    const out = await startExpectingFailure({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/till', PORT: '0' });
    expect(out).toMatch(/DATABASE_URL: nothing answers at postgres:\/\/postgres@127\.0\.0\.1:1\/till/);
  });

  it('says when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    // A database of its own: the shared admin database may carry another branch's migrations.
    const db = await createTestDatabase();
    try {
      const out = await startExpectingFailure({
        DATABASE_URL: db.url,
        TILL_SEED_DEMO: 'false',
        PORT: String(port),
      });
      expect(out).toContain(`PORT ${port} is already in use`);
    } finally {
      blocker.close();
      await db.drop();
    }
  });

  it('says when the data folder cannot be used', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'till-bad-')), 'a-file');
    fs.writeFileSync(file, 'not a folder');
    const out = await startExpectingFailure({ TILL_DATA_DIR: path.join(file, 'data'), PORT: '0' });
    expect(out).toMatch(/Cannot use the data folder .*a part of the path is a file/);
    expect(out).toContain('TILL_DATA_DIR');
  });
});

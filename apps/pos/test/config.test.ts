import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, loadPosConfig, PosConfigError } from '../src/config';

describe('starting a terminal', () => {
  it('reads flags over environment variables, with defaults', () => {
    const config = loadPosConfig({ TILL_SERVER_URL: 'http://store:3000/', TILL_POS_PORT: '4100' }, [
      '--',
      '--code',
      'ABC-123',
      '--port',
      '0',
    ]);
    expect(config).toMatchObject({
      serverUrl: 'http://store:3000',
      enrollmentCode: 'ABC-123',
      port: 0,
      host: '127.0.0.1',
    });
    expect(config.dataDir).toBe(path.join(findRepoRoot(), '.till', 'pos'));
  });

  it('refuses bad values naming the variable and its flag', () => {
    expect(() => loadPosConfig({ TILL_POS_PORT: '70000' })).toThrow(
      'TILL_POS_PORT (--port): must be between 0 and 65535',
    );
    expect(() => loadPosConfig({}, ['--server', 'store:3000'])).toThrow(
      'TILL_SERVER_URL (--server): must be a URL like http://127.0.0.1:3000',
    );
    expect(() => loadPosConfig({}, ['--colour', 'blue'])).toThrow(PosConfigError);
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TerminalError } from '../src/core/errors';
import { createApp } from '../src/core/registry';

const spec = {
  'math.double': { request: z.object({ n: z.number().int() }), response: 0 as number },
  'math.fail': { request: z.object({}), response: 0 as number },
};

describe('the operation registry', () => {
  it('refuses a name twice, and a name that is not in the list', () => {
    const app = createApp(spec);
    app.method('math.double', ({ n }) => n * 2);
    expect(() => app.method('math.double', ({ n }) => n)).toThrow('registered twice');
    expect(() => app.method('math.other' as never, (() => 0) as never)).toThrow('not in the operation list');
    expect(() => app.assertComplete()).toThrow('math.fail');
  });

  it('answers typed results: values, validation failures naming the field, domain errors, the unexpected', async () => {
    const unexpected: string[] = [];
    const app = createApp(spec, { onUnexpectedError: (name) => unexpected.push(name) });
    app.method('math.double', ({ n }) => n * 2);
    app.method('math.fail', () => {
      throw new TerminalError('CART_EMPTY', 'There is no sale in progress.');
    });
    expect(await app.call('math.double', { n: 21 })).toEqual({ ok: true, value: 42 });
    expect(await app.call('math.double', { n: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: expect.stringMatching(/^n: /) },
    });
    expect(await app.call('math.fail', {})).toEqual({
      ok: false,
      error: { code: 'CART_EMPTY', message: 'There is no sale in progress.' },
    });
    expect(await app.callByName('constructor', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_OPERATION' } });
    const broken = createApp(spec, { onUnexpectedError: (name) => unexpected.push(name) });
    broken.method('math.double', () => {
      throw new RangeError('boom');
    });
    expect(await broken.call('math.double', { n: 1 })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(unexpected).toEqual(['math.double']);
  });
});

import fc from 'fast-check';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  ackSchema,
  checkProtocol,
  handshakeSchema,
  OLDEST_SUPPORTED_PROTOCOL,
  outboxItemSchema,
  PROTOCOL_VERSION,
  parseMessage,
} from '../src/index';

const sale = (overrides: Record<string, unknown> = {}) => ({
  id: uuidv7(),
  kind: 'sale',
  terminalId: 'term_abc',
  createdAt: 1_700_000_000_000,
  payload: {
    soldAt: 1_700_000_000_000,
    currency: 'USD',
    lines: [
      { sku: 'A-1', qty: 2, unitPrice: '1.50', total: '3.00' },
      { sku: 'B-2', qty: 1, unitPrice: '4.00', total: '3.60', ruleIds: ['r1'] },
    ],
    subtotal: '6.60',
    tax: '0.59',
    total: '7.19',
    taxIncluded: false,
    rulesSnapshotId: 'demo@3',
    payments: [{ method: 'card', amount: '7.19' }],
    ...overrides,
  },
});

describe('protocol version', () => {
  it('accepts the versions it speaks', () => {
    for (let v = OLDEST_SUPPORTED_PROTOCOL; v <= PROTOCOL_VERSION; v++) {
      expect(checkProtocol(v, 'store server', 'terminal')).toEqual({ ok: true });
    }
  });

  it('tells a client that is too old or too new what to update, in words', () => {
    expect(checkProtocol(OLDEST_SUPPORTED_PROTOCOL - 1, 'store server', 'terminal')).toEqual({
      ok: false,
      code: 'PROTOCOL_TOO_OLD',
      message: `The terminal speaks sync protocol ${OLDEST_SUPPORTED_PROTOCOL - 1}, which is too old for this store server (it speaks ${OLDEST_SUPPORTED_PROTOCOL} to ${PROTOCOL_VERSION}). Update the terminal.`,
    });
    const newer = checkProtocol(PROTOCOL_VERSION + 1, 'store server', 'terminal');
    expect(newer).toMatchObject({ ok: false, code: 'PROTOCOL_TOO_NEW' });
    expect(newer.ok || newer.message).toMatch(/newer than this store server understands.*Update the store server/);
    expect(checkProtocol(undefined, 'store server', 'dashboard')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/did not say which sync protocol it speaks/),
    });
  });

  it('refuses every integer outside the supported range and accepts none of them silently', () => {
    fc.assert(
      fc.property(fc.integer(), (v) => {
        const result = checkProtocol(v, 'store server', 'terminal');
        const inside = v >= OLDEST_SUPPORTED_PROTOCOL && v <= PROTOCOL_VERSION;
        expect(result.ok).toBe(inside);
        if (!result.ok) expect(result.message).toContain(String(v));
      }),
    );
  });
});

describe('messages', () => {
  it('validates a handshake and names what is wrong', () => {
    expect(handshakeSchema.safeParse({ protocol: 1, token: 't', client: 'terminal', lastSeq: null }).success).toBe(
      true,
    );
    const bad = parseMessage(
      handshakeSchema,
      { protocol: 1, token: '', client: 'kiosk', lastSeq: -1 },
      'the handshake',
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.message).toMatch(/^the handshake is not valid: /);
      expect(bad.message).toMatch(/token: /);
      expect(bad.message).toMatch(/client: /);
      expect(bad.message).toMatch(/lastSeq: /);
    }
  });

  it('reads an acknowledgement as a result or an error, nothing else', () => {
    const schema = ackSchema('clock.ping');
    expect(schema.safeParse({ ok: true, serverTime: 5 }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'BUSY', message: 'later' } }).success).toBe(true);
    expect(schema.safeParse({ ok: true }).success).toBe(false);
    expect(schema.safeParse({ ok: false, error: { code: 'NOPE', message: 'x' } }).success).toBe(false);
    expect(schema.safeParse('pong').success).toBe(false);
  });
});

describe('outbox commands', () => {
  it('accepts a sale whose amounts add up', () => {
    expect(outboxItemSchema.safeParse(sale()).success).toBe(true);
    expect(outboxItemSchema.safeParse(sale({ taxIncluded: true, total: '6.60' })).success).toBe(true);
  });

  it('refuses a sale whose lines do not add up, naming the field and the sum', () => {
    const result = parseMessage(outboxItemSchema, sale({ subtotal: '6.61' }), 'the sale');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('payload.subtotal: must equal the sum of the line totals (6.6)');
  });

  it('refuses amounts that are floats, ids that are not UUIDv7, and unknown kinds', () => {
    expect(outboxItemSchema.safeParse(sale({ total: 7.19 })).success).toBe(false);
    expect(outboxItemSchema.safeParse({ ...sale(), id: uuidv4() }).success).toBe(false);
    expect(outboxItemSchema.safeParse({ ...sale(), kind: 'refund' }).success).toBe(false);
    expect(outboxItemSchema.safeParse({ ...sale(), terminalId: 'till-3' }).success).toBe(false);
  });

  it('checks returns and cash counts', () => {
    const ret = {
      id: uuidv7(),
      kind: 'return',
      terminalId: 'term_abc',
      createdAt: 1,
      payload: {
        returnedAt: 1,
        currency: 'USD',
        saleId: null,
        lines: [{ sku: 'A-1', qty: 1, refund: '1.50' }],
        refundTotal: '1.50',
        restock: true,
      },
    };
    expect(outboxItemSchema.safeParse(ret).success).toBe(true);
    expect(outboxItemSchema.safeParse({ ...ret, payload: { ...ret.payload, refundTotal: '2.00' } }).success).toBe(
      false,
    );
    const count = {
      id: uuidv7(),
      kind: 'cash_count',
      terminalId: 'term_abc',
      createdAt: 1,
      payload: {
        countedAt: 1,
        currency: 'USD',
        drawerId: 'drawer-1',
        kind: 'close',
        counted: '120.50',
        expected: '121.00',
      },
    };
    expect(outboxItemSchema.safeParse(count).success).toBe(true);
    expect(outboxItemSchema.safeParse({ ...count, payload: { ...count.payload, counted: '-1.00' } }).success).toBe(
      false,
    );
  });

  it('accepts exactly the sales whose line totals sum to the subtotal (property)', () => {
    const cents = fc.integer({ min: 0, max: 1_000_000 });
    fc.assert(
      fc.property(fc.array(cents, { minLength: 1, maxLength: 20 }), fc.integer({ min: -3, max: 3 }), (lines, off) => {
        const amount = (c: number) => (c / 100).toFixed(2);
        const sum = lines.reduce((a, b) => a + b, 0);
        const subtotal = Math.max(0, sum + off);
        const item = sale({
          lines: lines.map((c, i) => ({ sku: `S-${i}`, qty: 1, unitPrice: amount(c), total: amount(c) })),
          subtotal: amount(subtotal),
          tax: '0.00',
          total: amount(subtotal),
        });
        expect(outboxItemSchema.safeParse(item).success).toBe(subtotal === sum);
      }),
    );
  });
});

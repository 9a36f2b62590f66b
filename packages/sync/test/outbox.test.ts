import { describe, expect, it } from 'vitest';
import { MemorySyncStore, OutboxUploader, type UploadResult } from '../src/index';

const item = (id: string) => ({ id, kind: 'sale' });
const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
};

describe('OutboxUploader', () => {
  it('sends in order, one batch at a time, and settles final results', async () => {
    const store = new MemorySyncStore({ outbox: ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, item: item(id) })) });
    const sent: string[][] = [];
    let inFlight = 0;
    const uploader = new OutboxUploader({
      store,
      batchSize: 2,
      submit: async (items) => {
        inFlight++;
        expect(inFlight).toBe(1);
        sent.push(items.map((i) => (i as { id: string }).id));
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        return items.map((i, index) => ({ index, id: (i as { id: string }).id, status: 'accepted' }) as UploadResult);
      },
    });
    uploader.setOnline(true);
    await until(() => store.pendingCount === 0);
    expect(sent).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect([...store.results.keys()]).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('sets aside an item answered `retry` and keeps going with the ones behind it', async () => {
    const store = new MemorySyncStore({ outbox: ['a', 'b', 'c'].map((id) => ({ id, item: item(id) })) });
    let tries = 0;
    const uploader = new OutboxUploader({
      store,
      batchSize: 1,
      itemBackoff: { baseMs: 5, maxMs: 10 },
      submit: async (items) => {
        const id = (items[0] as { id: string }).id;
        if (id === 'a' && ++tries < 3) return [{ index: 0, id, status: 'retry', reason: 'busy' }];
        return [{ index: 0, id, status: 'accepted' }];
      },
    });
    const order: string[] = [];
    const settle = store.settle.bind(store);
    store.settle = (s) => {
      order.push(...s.map((x) => x.id));
      settle(s);
    };
    uploader.setOnline(true);
    await until(() => store.pendingCount === 0);
    expect(order).toEqual(['b', 'c', 'a']);
    expect(tries).toBe(3);
  });

  it('resends a batch that got no answer, and never settles an item on an answer for another', async () => {
    const store = new MemorySyncStore({ outbox: [{ id: 'x', item: item('x') }] });
    let calls = 0;
    const errors: string[] = [];
    const uploader = new OutboxUploader({
      store,
      backoff: { baseMs: 2, maxMs: 4 },
      onError: (e) => errors.push(e.message),
      submit: async (items) => {
        calls++;
        if (calls === 1) throw new Error('timeout');
        if (calls === 2) return [{ index: 0, id: 'someone-else', status: 'accepted' }];
        return [{ index: 0, id: (items[0] as { id: string }).id, status: 'duplicate', original: 'accepted' }];
      },
    });
    uploader.setOnline(true);
    await until(() => store.pendingCount === 0);
    expect(calls).toBe(3);
    expect(store.results.get('x')).toMatchObject({ status: 'duplicate' });
    expect(errors).toEqual(['timeout', 'the server answered 0 of 1 items']);
  });

  it('settles an item whose id the server answers in another case (UUIDs ignore case)', async () => {
    const id = '0190A5E4-1F8C-7BF8-8121-ACAC2E3C87B0';
    const store = new MemorySyncStore({ outbox: [{ id, item: item(id) }] });
    const uploader = new OutboxUploader({
      store,
      submit: async () => [{ index: 0, id: id.toLowerCase(), status: 'accepted' }],
    });
    uploader.setOnline(true);
    await until(() => store.pendingCount === 0);
    expect(store.results.get(id)).toMatchObject({ status: 'accepted' });
  });

  it('stops when offline and picks up again when online', async () => {
    const store = new MemorySyncStore({ outbox: [{ id: 'a', item: item('a') }] });
    const uploader = new OutboxUploader({
      store,
      submit: async (items) => items.map((_, index) => ({ index, id: 'a', status: 'accepted' }) as UploadResult),
    });
    uploader.kick();
    await new Promise((r) => setTimeout(r, 10));
    expect(store.pendingCount).toBe(1);
    uploader.setOnline(true);
    await until(() => store.pendingCount === 0);
  });
});

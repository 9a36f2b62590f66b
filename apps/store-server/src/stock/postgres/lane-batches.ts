/**
 * Work asked of one key (a lane of a store's SKUs) while an earlier call on that key is still
 * running waits for it and goes in the next call, together: a hot SKU's row lock admits one
 * writer at a time anyway, and a transaction costs more than a decision, so rather than queue
 * the pool's connections on row locks, the decisions queue here and PostgreSQL takes them in
 * one transaction, in the order asked. Correctness does not depend on it (another server's
 * calls still meet the row locks); it only turns N lock waits and N transactions into one.
 *
 * If a call fails, each of its items is run alone, so one bad item fails only itself.
 */
export class LaneBatches<Item, Result> {
  private readonly keys = new Map<string, { queue: Waiting<Item, Result>[]; running: boolean }>();

  constructor(
    private readonly runMany: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly runOne: (item: Item) => Promise<Result>,
    private readonly maxBatch = 200,
  ) {}

  submit(key: string, item: Item): Promise<Result> {
    let state = this.keys.get(key);
    if (!state) {
      state = { queue: [], running: false };
      this.keys.set(key, state);
    }
    const result = new Promise<Result>((resolve, reject) => state.queue.push({ item, resolve, reject }));
    if (!state.running) {
      state.running = true;
      // Once the requests of this turn of the event loop are read, so that they go together.
      setImmediate(() => void this.send(key));
    }
    return result;
  }

  private async send(key: string): Promise<void> {
    const state = this.keys.get(key);
    if (!state) return;
    try {
      while (state.queue.length > 0) {
        const taken = state.queue.splice(0, this.maxBatch);
        await this.run(key, taken);
      }
    } finally {
      state.running = false;
      this.keys.delete(key);
    }
  }

  private async run(key: string, taken: Waiting<Item, Result>[]): Promise<void> {
    if (taken.length > 1) {
      try {
        const results = await this.runMany(
          key,
          taken.map((w) => w.item),
        );
        if (results.length !== taken.length) throw new Error(`${results.length} results for ${taken.length} items`);
        for (const [i, w] of taken.entries()) w.resolve(results[i] as Result);
        return;
      } catch {
        // decided one by one below: the failing item fails alone
      }
    }
    await Promise.all(
      taken.map((w) =>
        Promise.resolve()
          .then(() => this.runOne(w.item))
          .then(w.resolve, w.reject),
      ),
    );
  }
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

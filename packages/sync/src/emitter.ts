/** A small typed event emitter that runs in browsers and Node alike. */
// biome-ignore lint/suspicious/noExplicitAny: listener signatures are given by each event map.
export type EventMap = Record<string, (...args: any[]) => void>;

export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Resolves with the arguments of the next `event` that passes `accept`. */
  next<K extends keyof E>(
    event: K,
    accept: (...args: Parameters<E[K]>) => boolean = () => true,
  ): Promise<Parameters<E[K]>> {
    return new Promise((resolve) => {
      const off = this.on(event, ((...args: Parameters<E[K]>) => {
        if (!accept(...args)) return;
        off();
        resolve(args);
      }) as E[K]);
    });
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(...args);
      } catch {
        // a failing listener must not stop sync or the other listeners
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}

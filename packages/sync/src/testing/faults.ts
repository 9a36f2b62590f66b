import { Timers } from '../backoff';
import type { RequestName, RequestOf } from '../protocol';
import { type Transport, TransportError, type TransportStatus } from '../transport';

/**
 * A transport that misbehaves on purpose, around a real one: the adversarial tests run
 * the sync client through it under random fault schedules (fast-check) and check that,
 * once the network heals, every command is applied exactly once and every change once.
 */

export const REQUEST_FAULTS = ['none', 'drop-request', 'drop-reply', 'duplicate', 'delay', 'disconnect'] as const;
/**
 * - `drop-request`: lost on the way; the server never sees it.
 * - `drop-reply`: the server handles it; its answer is lost.
 * - `duplicate`: the server gets it twice.
 * - `delay`: it arrives after the sender gave up and sent again: reordered.
 * - `disconnect`: the connection breaks right after it was sent, in the middle of the request.
 */
export type RequestFault = (typeof REQUEST_FAULTS)[number];

export const PUSH_FAULTS = ['none', 'drop', 'duplicate', 'reorder'] as const;
/** `reorder`: held back and delivered after the next push. */
export type PushFault = (typeof PUSH_FAULTS)[number];

export interface FaultPlan {
  /** Faults for successive requests; once used up, the network is healthy. */
  requests: readonly RequestFault[];
  /** Faults for successive `changes` and `notice` pushes. */
  pushes: readonly PushFault[];
  /** Only these requests meet faults (default: all). */
  only?: readonly RequestName[];
  /** How long after a `disconnect` the connection comes back. */
  reconnectAfterMs?: number;
  /** Called for every request before its fault is applied (tests use it to act mid-upload). */
  onRequest?: (name: RequestName, fault: RequestFault) => void;
}

export class FaultyTransport implements Transport {
  /** What was done, in order: read it when a test fails. */
  readonly log: string[] = [];
  private requestIndex = 0;
  private pushIndex = 0;
  private healed = false;
  private held: Array<[string, unknown]> = [];
  private heldTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly timers = new Timers();
  private readonly pushListeners = new Set<(name: string, payload: unknown) => void>();
  private readonly requestFaults: RequestFault[];

  constructor(
    private readonly inner: Transport,
    private readonly plan: FaultPlan,
  ) {
    this.requestFaults = [...plan.requests];
    inner.onPush((name, payload) => this.onInnerPush(name, payload));
  }

  /** Makes the next requests meet these faults (then the rest of the plan). */
  injectNext(...faults: RequestFault[]): void {
    this.requestFaults.splice(this.requestIndex, 0, ...faults);
  }

  /** Stops injecting faults: the network is healthy from now on. */
  heal(): void {
    this.healed = true;
    this.releaseHeld();
  }

  /** True once every planned fault was used (or heal() was called). */
  get exhausted(): boolean {
    return this.healed || (this.requestIndex >= this.requestFaults.length && this.pushIndex >= this.plan.pushes.length);
  }

  connect(): void {
    this.inner.connect();
  }

  disconnect(): void {
    this.timers.clear();
    this.inner.disconnect();
  }

  get connected(): boolean {
    return this.inner.connected;
  }

  onStatus(listener: (status: TransportStatus) => void): () => void {
    return this.inner.onStatus(listener);
  }

  onPush(listener: (name: string, payload: unknown) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  async request<N extends RequestName>(name: N, payload: RequestOf<N>, timeoutMs: number): Promise<unknown> {
    const exempt = this.healed || (this.plan.only !== undefined && !this.plan.only.includes(name));
    const fault: RequestFault = exempt ? 'none' : (this.requestFaults[this.requestIndex++] ?? 'none');
    this.plan.onRequest?.(name, fault);
    this.log.push(`${name}: ${fault}`);
    const timeout = () =>
      new Promise<never>((_, reject) =>
        this.timers.later(timeoutMs, () => reject(new TransportError('timeout', `no answer to ${name} (${fault})`))),
      );
    switch (fault) {
      case 'none':
        return this.inner.request(name, payload, timeoutMs);
      case 'drop-request':
        return timeout();
      case 'drop-reply':
        this.inner.request(name, payload, timeoutMs).catch(() => {});
        return timeout();
      case 'duplicate': {
        const first = this.inner.request(name, payload, timeoutMs);
        this.inner.request(name, payload, timeoutMs).catch(() => {});
        return first;
      }
      case 'delay':
        this.timers.later(timeoutMs + 50, () => {
          if (this.inner.connected) this.inner.request(name, payload, timeoutMs).catch(() => {});
        });
        return timeout();
      case 'disconnect':
        this.inner.request(name, payload, timeoutMs).catch(() => {});
        this.inner.disconnect();
        this.timers.later(this.plan.reconnectAfterMs ?? 100, () => this.inner.connect());
        throw new TransportError('offline', `connection lost during ${name}`);
    }
  }

  private deliver(name: string, payload: unknown): void {
    for (const l of this.pushListeners) l(name, payload);
  }

  private releaseHeld(): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    for (const [name, payload] of this.held.splice(0)) this.deliver(name, payload);
  }

  private onInnerPush(name: string, payload: unknown): void {
    // A lost welcome is a lost connection, which `disconnect` covers; faults hit the rest.
    const fault: PushFault =
      this.healed || name === 'welcome' ? 'none' : (this.plan.pushes[this.pushIndex++] ?? 'none');
    if (name !== 'welcome') this.log.push(`push ${name}: ${fault}`);
    switch (fault) {
      case 'none':
        this.deliver(name, payload);
        this.releaseHeld();
        return;
      case 'drop':
        return;
      case 'duplicate':
        this.deliver(name, payload);
        this.deliver(name, payload);
        this.releaseHeld();
        return;
      case 'reorder':
        this.held.push([name, payload]);
        if (!this.heldTimer) this.heldTimer = setTimeout(() => this.releaseHeld(), 200);
        return;
    }
  }
}

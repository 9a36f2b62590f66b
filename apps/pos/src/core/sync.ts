import type { ConnectionState } from './views';

/**
 * The terminal's link to the store server, as the core sees it: a state for the badge,
 * the clock offset for pricing, and a nudge when the outbox has something new. The
 * Socket.IO sync client (@till/sync) sits behind this; the core never waits on it.
 */
export interface TerminalLink {
  state(): ConnectionState;
  /** Words for the badge: why offline, version mismatch, last error. */
  detail(): string | null;
  /** Server clock − local clock, estimated over the socket. */
  clockOffsetMs(): number;
  lastSyncAt(): number | null;
  onChange(listener: () => void): () => void;
  outboxChanged(): void;
  /**
   * The customer with this loyalty card or phone as the server knows them (raw JSON), or
   * null when it has none; throws when the server cannot be asked.
   */
  findCustomer(query: string): Promise<Record<string, unknown> | null>;
  stop(): Promise<void>;
}

/** A link that stays in one state and never connects: an unenrolled terminal, or tests of the core alone. */
export function fixedLink(state: ConnectionState = 'offline', detail: string | null = null): TerminalLink {
  return {
    state: () => state,
    detail: () => detail,
    clockOffsetMs: () => 0,
    lastSyncAt: () => null,
    onChange: () => () => {},
    outboxChanged: () => {},
    findCustomer: async () => {
      throw new Error('this terminal is not connected to a store server');
    },
    stop: async () => {},
  };
}

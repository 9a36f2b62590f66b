import { createSyncClient, enrollTerminal, type SyncClient, type SyncStatus, type SyncStore } from '@till/sync';
import { findCustomerOnServer } from './customer-lookup';
import type { StoreSettings, TerminalIdentity } from './settings';
import type { TerminalLink } from './sync';
import type { Terminal } from './terminal';
import type { ConnectionState } from './views';

/**
 * The terminal's link to its store server: enrollment on first start, the store's settings,
 * and the Socket.IO sync client (@till/sync) over the terminal's own SQLite sync store.
 * Everything here runs beside selling, never in its way: a dead network only changes the badge.
 */

export interface LinkOptions {
  serverUrl: string;
  /** One-time code a manager made: exchanged for this terminal's token on first start. */
  enrollmentCode?: string | undefined;
  /** A token given directly (an already enrolled terminal moved to a new data folder). */
  terminalToken?: string | undefined;
  /**
   * A token to fall back on when this terminal has no identity, code or token of its own:
   * the demo store's terminal key on a newcomer's machine.
   */
  fallbackToken?: string | undefined;
  terminalName?: string | undefined;
  log: { info(message: string): void; warn(message: string): void };
  fetch?: typeof fetch;
}

export class NotEnrolledError extends Error {
  override name = 'NotEnrolledError';
}

function stateOf(status: SyncStatus): { state: ConnectionState; detail: string | null } {
  switch (status.state) {
    case 'online':
      return { state: 'online', detail: null };
    case 'connecting':
      return { state: 'connecting', detail: null };
    case 'offline':
      return { state: 'offline', detail: status.reason };
    case 'refused':
      return { state: 'offline', detail: `The store server refused this terminal: ${status.message}` };
    case 'stopped':
      return { state: 'offline', detail: 'Sync is stopped.' };
  }
}

/** The sync client as the core's TerminalLink: the badge's state, corrected time, the outbox nudge, and lookups. */
export function syncClientLink(
  client: SyncClient,
  lookups: Pick<TerminalLink, 'findCustomer'>,
  now: () => number = Date.now,
): TerminalLink {
  let lastSyncAt: number | null = null;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const synced = () => {
    lastSyncAt = now();
    changed();
  };
  const off = [
    client.on('status', changed),
    client.on('changes', synced),
    client.on('snapshot', synced),
    client.on('settled', synced),
    client.on('clock', changed),
  ];
  return {
    state: () => stateOf(client.status).state,
    detail: () => stateOf(client.status).detail,
    clockOffsetMs: () => client.clockEstimate()?.offsetMs ?? 0,
    lastSyncAt: () => lastSyncAt,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    outboxChanged: () => client.kickOutbox(),
    findCustomer: (query) => lookups.findCustomer(query),
    stop: async () => {
      for (const unsubscribe of off) unsubscribe();
      await client.stop();
    },
  };
}

/** This terminal's identity: kept from an earlier start, or made now by enrolling with the code. */
export async function ensureEnrolled(terminal: Terminal, options: LinkOptions): Promise<TerminalIdentity> {
  const known = terminal.settings.get('terminal');
  if (known) {
    const identity = { ...known, serverUrl: options.serverUrl, token: options.terminalToken ?? known.token };
    terminal.settings.set('terminal', identity);
    return identity;
  }
  if (options.enrollmentCode) {
    const enrolled = await enrollTerminal(
      options.serverUrl,
      { code: options.enrollmentCode, ...(options.terminalName ? { name: options.terminalName } : {}) },
      options.fetch,
    );
    const identity: TerminalIdentity = {
      id: enrolled.terminalId,
      name: enrolled.name,
      storeId: enrolled.storeId,
      serverUrl: options.serverUrl,
      token: enrolled.token,
    };
    terminal.settings.set('terminal', identity);
    options.log.info(`Enrolled as terminal "${identity.name}" (${identity.id}) of store ${identity.storeId}.`);
    return identity;
  }
  const token = options.terminalToken ?? options.fallbackToken;
  if (token) {
    const identity = {
      ...(await whoAmI(options.serverUrl, token, options.fetch)),
      serverUrl: options.serverUrl,
      token,
    };
    terminal.settings.set('terminal', identity);
    options.log.info(`Connected as terminal "${identity.name}" (${identity.id}) of store ${identity.storeId}.`);
    return identity;
  }
  throw new NotEnrolledError(
    'This terminal is not enrolled. Start it once with --code <enrollment code> (a manager makes one: POST /v1/terminals/enrollment-codes), or --token <terminal token>.',
  );
}

/** Which terminal a token belongs to, as the store server says. */
async function whoAmI(
  serverUrl: string,
  token: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Pick<TerminalIdentity, 'id' | 'name' | 'storeId'>> {
  const response = await fetchImpl(new URL('/v1/terminals/me', serverUrl), {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5_000),
  });
  const body = (await response.json().catch(() => ({}))) as {
    terminalId?: string;
    name?: string;
    storeId?: string;
    error?: { message?: string };
  };
  if (!response.ok || !body.terminalId || !body.name || !body.storeId) {
    throw new NotEnrolledError(
      `The store server did not accept the terminal token: ${body.error?.message ?? `HTTP ${response.status}`}`,
    );
  }
  return { id: body.terminalId, name: body.name, storeId: body.storeId };
}

/**
 * The store's settings (currency, zone, tax mode, stacking) as the server says them, for a
 * terminal that has none yet; the feed keeps them current afterwards (`store` snapshot
 * section, `store.updated` changes).
 */
export async function refreshStoreSettings(
  terminal: Terminal,
  identity: TerminalIdentity,
  fetchImpl: typeof fetch = fetch,
): Promise<StoreSettings> {
  const response = await fetchImpl(new URL('/v1/stores', identity.serverUrl), {
    headers: { authorization: `Bearer ${identity.token}` },
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`the store server answered ${response.status} for /v1/stores`);
  const body = (await response.json()) as {
    items?: {
      id: string;
      name: string;
      currency: string;
      timeZone: string;
      taxIncluded: boolean;
      stacking?: StoreSettings['stacking'];
    }[];
  };
  const store = body.items?.find((s) => s.id === identity.storeId) ?? body.items?.[0];
  if (!store) throw new Error('the store server lists no store for this terminal');
  const settings: StoreSettings = {
    id: store.id,
    name: store.name,
    currency: store.currency,
    timeZone: store.timeZone,
    taxIncluded: store.taxIncluded,
    stacking: store.stacking ?? 'withinPriority',
  };
  terminal.settings.set('store', settings);
  return settings;
}

/**
 * Enrolls if needed, then starts syncing: the replica follows the server's change feed
 * (or loads a snapshot), the outbox uploads whenever the server is reachable.
 */
export async function connectToStore(terminal: Terminal, options: LinkOptions): Promise<TerminalLink> {
  const identity = await ensureEnrolled(terminal, options);
  const fetchImpl = options.fetch ?? fetch;
  const store: SyncStore = terminal.syncStore;
  const client = createSyncClient({
    url: identity.serverUrl,
    token: identity.token,
    kind: 'terminal',
    storeId: identity.storeId,
    terminalId: identity.id,
    store,
    instance: `pos-${process.pid}`,
    // Bigger pages make a first sync of a large catalog several times faster (the protocol allows 5,000).
    snapshotPageSize: 5_000,
  });
  // A first start shows the store at once, before its snapshot arrives; later the feed brings every change.
  if (!terminal.settings.get('store')) {
    await refreshStoreSettings(terminal, identity, fetchImpl).catch((error: unknown) =>
      options.log.warn(`Store settings not loaded yet: ${(error as Error).message}`),
    );
  }
  client.on('status', (status) => {
    if (status.state === 'refused') options.log.warn(`The store server refused this terminal: ${status.message}`);
  });
  client.on('error', (error) => options.log.warn(`Sync: ${error.kind}: ${error.message}`));
  terminal.syncStore.onApplied(({ problems }) => {
    if (problems.length === 0) return;
    const shown = problems.slice(0, 5).map((p) => `#${p.seq} ${p.type}: ${p.message}`);
    options.log.warn(
      `Sync: ${problems.length} change(s) could not be applied and were skipped:\n  ${shown.join('\n  ')}${problems.length > 5 ? '\n  …' : ''}`,
    );
  });
  const link = syncClientLink(client, {
    findCustomer: (query) => findCustomerOnServer(identity, query, fetchImpl),
  });
  client.start();
  return link;
}

import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Handshake, RequestName, RequestOf, ServerToClientEvents } from './protocol';

/**
 * How the sync client reaches the server. The real one is Socket.IO; tests wrap it in a
 * fault-injecting one (`@till/sync/testing`) that drops, duplicates, delays and reorders.
 * Payloads here are unvalidated: the client validates everything that comes in.
 */
export type TransportStatus =
  | { kind: 'connected' }
  | { kind: 'disconnected'; reason: string }
  /** The connection attempt failed; `data` is what the server said (a refusal), if it said anything. */
  | { kind: 'connect_failed'; message: string; data: unknown };

export interface Transport {
  connect(): void;
  disconnect(): void;
  readonly connected: boolean;
  /** Server pushes (`welcome`, `changes`, `notice`). Returns an unsubscribe function. */
  onPush(listener: (name: string, payload: unknown) => void): () => void;
  onStatus(listener: (status: TransportStatus) => void): () => void;
  /** Sends a request and resolves with the server's acknowledgement, or rejects with a TransportError. */
  request<N extends RequestName>(name: N, payload: RequestOf<N>, timeoutMs: number): Promise<unknown>;
}

export class TransportError extends Error {
  constructor(
    readonly kind: 'timeout' | 'offline',
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface SocketIoTransportOptions {
  /** Called at every (re)connection, so the cursor sent is the current one. */
  handshake: () => Handshake | Promise<Handshake>;
  /** Socket.IO path on the server; default `/socket.io`. */
  path?: string;
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
}

type LooseSocket = { timeout(ms: number): { emitWithAck(name: string, payload: unknown): Promise<unknown> } };

/** The Socket.IO transport (browser and Node alike: socket.io-client only). */
export function socketIoTransport(url: string, options: SocketIoTransportOptions): Transport {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    autoConnect: false,
    path: options.path ?? '/socket.io',
    transports: ['websocket'],
    reconnectionDelay: options.reconnectionDelayMs ?? 500,
    reconnectionDelayMax: options.reconnectionDelayMaxMs ?? 10_000,
    randomizationFactor: 0.5,
    auth: (send) => {
      Promise.resolve(options.handshake()).then(send, () => send({}));
    },
  });
  const pushListeners = new Set<(name: string, payload: unknown) => void>();
  const statusListeners = new Set<(status: TransportStatus) => void>();
  const emitStatus = (status: TransportStatus) => {
    for (const l of statusListeners) l(status);
  };

  socket.onAny((name: string, payload: unknown) => {
    for (const l of pushListeners) l(name, payload);
  });
  socket.on('connect', () => emitStatus({ kind: 'connected' }));
  socket.on('disconnect', (reason) => emitStatus({ kind: 'disconnected', reason }));
  socket.on('connect_error', (error) => {
    emitStatus({ kind: 'connect_failed', message: error.message, data: (error as { data?: unknown }).data });
  });

  return {
    connect: () => {
      socket.connect();
    },
    disconnect: () => {
      socket.disconnect();
    },
    get connected() {
      return socket.connected;
    },
    onPush(listener) {
      pushListeners.add(listener);
      return () => pushListeners.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    async request(name, payload, timeoutMs) {
      // Socket.IO would buffer an emit made while offline and send it on reconnect, long
      // after its caller gave up; the outbox resends by itself, so refuse instead.
      if (!socket.connected) throw new TransportError('offline', 'not connected to the store server');
      try {
        return await (socket as unknown as LooseSocket).timeout(timeoutMs).emitWithAck(name, payload);
      } catch {
        throw new TransportError('timeout', `no answer to ${name} within ${timeoutMs} ms`);
      }
    },
  };
}

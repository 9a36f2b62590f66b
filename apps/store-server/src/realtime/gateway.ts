import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { ClientToServerEvents, Notice, ServerToClientEvents, Welcome } from '@till/sync';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import { feedPosition, planCatchUp } from '../sync/catch-up';
import { FeedPublisher } from '../sync/feed-publisher';
import { noteTerminalSeen } from '../sync/terminals';
import { UploadApplier } from '../sync/uploads/apply';
import type { SalePricer } from '../sync/uploads/outcome';
import { pricingServicePricer } from '../sync/uploads/pricer';
import { registerHandlers } from './handlers';
import { createSyncMetrics } from './metrics';
import { feedRoom, storeRoom, terminalRoom } from './rooms';
import { authorize, ConnectRefusal, type SocketSession } from './session';

interface SocketData {
  session: SocketSession;
}
export type TillServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type TillSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface Realtime {
  io: TillServer;
  publisher: FeedPublisher;
  uploads: UploadApplier;
  /** Tells a terminal's sockets why, then closes them (on every instance). */
  disconnectTerminal(terminalId: string, notice: Notice): Promise<void>;
  /** Terminals of a store with a socket open right now (on any instance). */
  onlineTerminals(storeId: string): Promise<Set<string>>;
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime;
  }
}

export interface RealtimeOptions {
  /** Prices uploaded sales again for price discrepancies (the pricing service). */
  pricer?: SalePricer;
}

/**
 * The Socket.IO gateway, on the same HTTP server as the API: authenticates each socket
 * (protocol, token, store), puts it in its rooms, answers its requests and runs the feed
 * publisher. With REDIS_URL, the Redis streams adapter joins the instances behind one
 * address: a batch emitted by the publishing instance reaches sockets on all of them.
 */
export const realtime = fp(
  async (app: FastifyInstance, options: RealtimeOptions) => {
    const { sync } = app.config;
    const io: TillServer = new Server({
      path: '/socket.io',
      serveClient: true, // the dashboard loads /socket.io/socket.io.esm.min.js
      cors: { origin: true }, // tokens, not cookies: a page elsewhere (the browser terminal) may connect
      maxHttpBufferSize: 4_000_000,
      pingInterval: 10_000,
      pingTimeout: 10_000,
    });
    let redis: Redis | undefined;
    if (app.config.redisUrl) {
      redis = new Redis(app.config.redisUrl, { maxRetriesPerRequest: 3 });
      redis.on('error', (error) => app.log.warn({ err: error }, 'Socket.IO adapter: Redis error'));
      io.adapter(
        createAdapter(redis, { streamName: sync.redisStream, channelPrefix: sync.redisStream, blockTimeInMs: 1_000 }),
      );
    }
    io.attach(app.server);

    const metrics = createSyncMetrics(app.metrics.registry);
    const uploads = new UploadApplier({
      db: app.db,
      logger: app.log,
      pricer: options.pricer ?? (app.hasDecorator('pricing') ? pricingServicePricer(app.pricing, app.db) : undefined),
      mode: sync.uploadMode,
    });
    const publisher = new FeedPublisher({
      pool: app.db,
      logger: app.log,
      clustered: redis !== undefined,
      pollMs: sync.pollMs,
      coalesceMs: sync.coalesceMs,
      heartbeatMs: sync.heartbeatMs,
      publish: (room, batch) => {
        io.to(room).emit('changes', batch);
        metrics.batches.inc();
      },
      onPushed: (lagMs) => metrics.pushLag.observe(lagMs / 1000),
    });

    io.use((socket, next) => {
      authorize(app.db, socket.handshake.auth).then(
        (session) => {
          socket.data.session = session;
          next();
        },
        (error) => {
          const refusal =
            error instanceof ConnectRefusal
              ? error
              : new ConnectRefusal(
                  'SERVER_UNAVAILABLE',
                  'The store server cannot check the token right now; retrying.',
                );
          if (!(error instanceof ConnectRefusal)) app.log.warn({ err: error }, 'socket authentication failed');
          const failure = new Error(refusal.message) as Error & { data: unknown };
          failure.data = { code: refusal.code, message: refusal.message };
          next(failure);
        },
      );
    });

    io.on('connection', (socket) => {
      const session = socket.data.session;
      metrics.clients.inc({ kind: session.kind });
      socket.join([
        feedRoom(session.storeId, session.kind),
        storeRoom(session.storeId),
        ...(session.terminalId ? [terminalRoom(session.terminalId)] : []),
      ]);
      registerHandlers(socket, session, {
        db: app.db,
        uploads,
        replayLimit: sync.replayLimit,
        logger: app.log,
        onUploaded: (results) => {
          for (const r of results) metrics.uploads.inc({ status: r.status });
        },
      });
      socket.on('disconnect', () => {
        metrics.clients.dec({ kind: session.kind });
        if (session.terminalId) void noteTerminalSeen(app.db, session.terminalId).catch(() => {});
      });
      void welcome(socket, session);
    });

    async function welcome(socket: TillSocket, session: SocketSession) {
      try {
        const position = await feedPosition(app.db);
        const message: Welcome = {
          // The client's own protocol: an older client is answered in the protocol it speaks.
          protocol: session.protocol,
          serverTime: Date.now(),
          session: {
            storeId: session.storeId,
            client: session.kind,
            terminalId: session.terminalId,
            name: session.name,
          },
          head: position.head,
          plan: planCatchUp(session.lastSeq, position, sync.replayLimit),
          heartbeatMs: sync.heartbeatMs,
        };
        socket.emit('welcome', message);
        if (session.terminalId) await noteTerminalSeen(app.db, session.terminalId, session);
      } catch (error) {
        app.log.warn({ err: error }, 'could not welcome a socket');
        socket.emit('notice', {
          level: 'error',
          code: 'UNAVAILABLE',
          message: 'The store server cannot reach its database; reconnecting.',
        });
        socket.disconnect(true);
      }
    }

    app.decorate('realtime', {
      io,
      publisher,
      uploads,
      async disconnectTerminal(terminalId, notice) {
        io.to(terminalRoom(terminalId)).emit('notice', notice);
        io.in(terminalRoom(terminalId)).disconnectSockets(true);
      },
      async onlineTerminals(storeId) {
        const sockets = await io.in(feedRoom(storeId, 'terminal')).fetchSockets();
        return new Set(sockets.map((s) => s.data.session?.terminalId).filter((id): id is string => !!id));
      },
    } satisfies Realtime);

    app.addHook('onReady', async () => {
      publisher.start();
    });
    app.addHook('preClose', async () => {
      await publisher.stop();
      // Only this instance's sockets: the others keep theirs.
      io.local.disconnectSockets(true);
      await Promise.allSettled([...io._nsps.values()].map((nsp) => nsp.adapter.close()));
      io.engine.close();
      redis?.disconnect();
    });
  },
  { name: 'realtime', dependencies: [] },
);

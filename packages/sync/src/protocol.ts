import { z } from 'zod';
import {
  priceDiscrepancySchema,
  RECONCILIATION_STATUSES,
  stockDiscrepancySchema,
  uploadResultSchema,
} from './commands';
import { changeSchema, changesBatchSchema } from './feed';
import { describeIssues, epochMsSchema, seqSchema, storeIdSchema } from './schemas';

/**
 * The wire contract between the store server and its clients (terminals, dashboards,
 * storefront clients) over Socket.IO. Every message is validated on both ends with the
 * schemas below; the event maps for Socket.IO's typed sockets are derived from them.
 */

/**
 * The protocol this code speaks. Raise it when a message changes: what the server accepts
 * grows (2: the `drawer_open` outbox item). A server speaks every protocol from
 * OLDEST_SUPPORTED_PROTOCOL up and welcomes a client in the client's own; a client newer
 * than its server is refused with words saying to update the server.
 */
export const PROTOCOL_VERSION: number = 2;
/** The oldest protocol this code still accepts from the other end. */
export const OLDEST_SUPPORTED_PROTOCOL: number = 1;

export type ProtocolCheck =
  | { ok: true }
  | { ok: false; code: 'PROTOCOL_TOO_OLD' | 'PROTOCOL_TOO_NEW'; message: string };

/**
 * Whether a peer speaking `peer` can talk to this side, and if not, what to tell the
 * person in front of it. `self` names this side ("store server", "terminal").
 */
export function checkProtocol(peer: unknown, self: string, peerName: string): ProtocolCheck {
  const range =
    OLDEST_SUPPORTED_PROTOCOL === PROTOCOL_VERSION
      ? `${PROTOCOL_VERSION}`
      : `${OLDEST_SUPPORTED_PROTOCOL} to ${PROTOCOL_VERSION}`;
  if (typeof peer !== 'number' || !Number.isInteger(peer)) {
    return {
      ok: false,
      code: 'PROTOCOL_TOO_OLD',
      message: `The ${peerName} did not say which sync protocol it speaks; this ${self} speaks protocol ${range}. Update the ${peerName}.`,
    };
  }
  if (peer < OLDEST_SUPPORTED_PROTOCOL) {
    return {
      ok: false,
      code: 'PROTOCOL_TOO_OLD',
      message: `The ${peerName} speaks sync protocol ${peer}, which is too old for this ${self} (it speaks ${range}). Update the ${peerName}.`,
    };
  }
  if (peer > PROTOCOL_VERSION) {
    return {
      ok: false,
      code: 'PROTOCOL_TOO_NEW',
      message: `The ${peerName} speaks sync protocol ${peer}, which is newer than this ${self} understands (it speaks ${range}). Update the ${self}.`,
    };
  }
  return { ok: true };
}

export const CLIENT_KINDS = ['terminal', 'dashboard', 'storefront'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** What a client sends when it connects (Socket.IO's `auth`). */
export const handshakeSchema = z.object({
  protocol: z.int(),
  /** A terminal token, or a manager (dashboard) or storefront API key. */
  token: z.string().min(1).max(200),
  client: z.enum(CLIENT_KINDS),
  /** The store the client belongs to; a token for another store is refused. Required for admin keys. */
  storeId: storeIdSchema.optional(),
  /** The last change the client applied; null when it has nothing yet. */
  lastSeq: seqSchema.nullable(),
  /** Which process this is (one terminal may run twice by mistake); shown in logs only. */
  instance: z.string().max(100).optional(),
});
export type Handshake = z.output<typeof handshakeSchema>;

/** Why the server refused a connection (Socket.IO `connect_error`, in `err.data`). */
export const REFUSAL_CODES = [
  'PROTOCOL_TOO_OLD',
  'PROTOCOL_TOO_NEW',
  'INVALID_HANDSHAKE',
  'UNAUTHENTICATED',
  'WRONG_KEY_ROLE',
  'STORE_REQUIRED',
  'STORE_MISMATCH',
  'TERMINAL_REVOKED',
  'SERVER_UNAVAILABLE',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];
export const refusalSchema = z.object({ code: z.enum(REFUSAL_CODES), message: z.string() });
export type Refusal = z.output<typeof refusalSchema>;
/** Refusals that another attempt with the same settings cannot fix. */
export const PERMANENT_REFUSALS: ReadonlySet<RefusalCode> = new Set(
  REFUSAL_CODES.filter((code) => code !== 'SERVER_UNAVAILABLE'),
);

// ---------------------------------------------------------------------------------------
// Server → client pushes

export const welcomeSchema = z.object({
  /** The protocol of this connection: the client's own, when the server speaks it. */
  protocol: z.int(),
  serverTime: epochMsSchema,
  session: z.object({
    storeId: storeIdSchema,
    client: z.enum(CLIENT_KINDS),
    terminalId: z.string().nullable(),
    name: z.string(),
  }),
  /** The newest change in the feed when the client connected. */
  head: seqSchema,
  /** How the client gets current: nothing to do, pull the changes since its cursor, or start from a snapshot. */
  plan: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('current') }),
    z.object({ kind: z.literal('delta') }),
    z.object({ kind: z.literal('snapshot'), reason: z.string() }),
  ]),
  /** The server sends a batch (possibly empty) at least this often; silence for longer means something was lost. */
  heartbeatMs: z.int().min(100),
});
export type Welcome = z.output<typeof welcomeSchema>;

export const noticeSchema = z.object({
  level: z.enum(['info', 'warning', 'error']),
  code: z.string(),
  message: z.string(),
});
export type Notice = z.output<typeof noticeSchema>;

export const PUSHES = {
  welcome: welcomeSchema,
  changes: changesBatchSchema,
  notice: noticeSchema,
} as const;
export type PushName = keyof typeof PUSHES;

// ---------------------------------------------------------------------------------------
// Client → server requests, each answered through Socket.IO's acknowledgement

export const pullRequestSchema = z.object({
  /** The client's cursor: send what is newer. */
  after: seqSchema,
  limit: z.int().min(1).max(5_000).default(2_000),
});

export const pullResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('changes'),
    /** Changes for this client in (after, to], coalesced. */
    changes: z.array(changeSchema),
    to: seqSchema,
    /** Pull again from `to`: there is more now. */
    more: z.boolean(),
    /** When more is true because an earlier change is still being committed: pull again after this long. */
    retryInMs: z.int().min(0).max(60_000).optional(),
  }),
  z.object({ kind: z.literal('snapshot'), reason: z.string() }),
]);

export const snapshotBeginRequestSchema = z.object({});
export const snapshotBeginResultSchema = z.object({
  snapshotId: z.string().min(1).max(200),
  /** After the snapshot, the client continues the feed from here. */
  asOf: seqSchema,
  /** Sections to fetch, in order. */
  sections: z.array(z.string().min(1).max(64)),
});

export const snapshotPageRequestSchema = z.object({
  snapshotId: z.string().min(1).max(200),
  section: z.string().min(1).max(64),
  /** `next` of the previous page; null for the first. */
  after: z.string().max(500).nullable(),
  limit: z.int().min(1).max(5_000).default(1_000),
});
export const snapshotPageResultSchema = z.object({
  section: z.string(),
  items: z.array(z.record(z.string(), z.unknown())),
  next: z.string().nullable(),
});

export const MAX_UPLOAD_BATCH = 200;
export const submitRequestSchema = z.object({
  /** Outbox items in the order they were made; each is validated on its own, so one bad item rejects only itself. */
  items: z.array(z.unknown()).min(1).max(MAX_UPLOAD_BATCH),
});
export const submitResultSchema = z.object({ results: z.array(uploadResultSchema) });

export const clockPingSchema = z.object({ sentAt: z.number() });
export const clockPongSchema = z.object({ serverTime: epochMsSchema });

export const reportRequestSchema = z.object({ limit: z.int().min(1).max(1_000).default(100) });
export const reconciliationReportSchema = z.object({
  terminalId: z.string(),
  name: z.string(),
  counts: z.record(z.enum(RECONCILIATION_STATUSES), z.int()),
  /** How many times an item already applied was sent again (retries after a lost reply). */
  duplicatesReceived: z.int(),
  items: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      status: z.enum(RECONCILIATION_STATUSES),
      reason: z.string().nullable(),
      stock: z.array(stockDiscrepancySchema).optional(),
      price: priceDiscrepancySchema.optional(),
      receivedAt: z.string(),
      duplicates: z.int(),
    }),
  ),
});
export type ReconciliationReport = z.output<typeof reconciliationReportSchema>;

export const REQUESTS = {
  'sync.pull': { request: pullRequestSchema, result: pullResultSchema },
  'snapshot.begin': { request: snapshotBeginRequestSchema, result: snapshotBeginResultSchema },
  'snapshot.page': { request: snapshotPageRequestSchema, result: snapshotPageResultSchema },
  'outbox.submit': { request: submitRequestSchema, result: submitResultSchema },
  'clock.ping': { request: clockPingSchema, result: clockPongSchema },
  'reconciliation.report': { request: reportRequestSchema, result: reconciliationReportSchema },
} as const;
export type RequestName = keyof typeof REQUESTS;
export type RequestOf<N extends RequestName> = z.input<(typeof REQUESTS)[N]['request']>;
export type ResultOf<N extends RequestName> = z.output<(typeof REQUESTS)[N]['result']>;

export const REQUEST_ERROR_CODES = [
  'INVALID_MESSAGE',
  'FORBIDDEN',
  'UNAVAILABLE',
  'BUSY',
  'NOT_FOUND',
  'INTERNAL',
] as const;
export type RequestErrorCode = (typeof REQUEST_ERROR_CODES)[number];
export const requestErrorSchema = z.object({ code: z.enum(REQUEST_ERROR_CODES), message: z.string() });
export type RequestError = z.output<typeof requestErrorSchema>;

/** Every acknowledgement: the result, or an error in words. */
export type Ack<T> = ({ ok: true } & T) | { ok: false; error: RequestError };

export function ackSchema<N extends RequestName>(name: N) {
  const result = REQUESTS[name].result;
  return z.union([
    z.object({ ok: z.literal(true) }).and(result),
    z.object({ ok: z.literal(false), error: requestErrorSchema }),
  ]);
}

// ---------------------------------------------------------------------------------------
// Typed Socket.IO event maps (socket.io and socket.io-client take these as generics)

export type ServerToClientEvents = {
  [K in PushName]: (message: z.input<(typeof PUSHES)[K]>) => void;
};

export type ClientToServerEvents = {
  [K in RequestName]: (
    request: RequestOf<K>,
    ack: (answer: Ack<z.input<(typeof REQUESTS)[K]['result']>>) => void,
  ) => void;
};

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Validates a message against a schema; the failure says in words what was wrong. */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what: string): ParseResult<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, message: `${what} is not valid: ${describeIssues(parsed.error)}` };
}

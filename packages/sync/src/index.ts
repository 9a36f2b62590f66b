/**
 * @till/sync: the wire contract between the store server and its clients, and the client
 * that terminals, dashboards and storefront processes run. Browser-safe: no Node-only
 * imports on this path (socket.io-client, zod, uuid, decimal.js).
 */

export { type BackoffOptions, backoffDelay } from './backoff';
export {
  type ConnectOptions,
  createSyncClient,
  handshakeFor,
  InvalidCommandError,
  SyncClient,
  type SyncClientEvents,
  type SyncClientOptions,
  type SyncError,
  type SyncErrorKind,
  SyncRequestError,
  type SyncStatus,
} from './client';
export {
  bestSample,
  type Clock,
  type ClockEstimate,
  type ClockSample,
  measureClock,
  ServerClock,
  sampleFrom,
  systemClock,
} from './clock';
export {
  type CashCountPayload,
  cashCountPayloadSchema,
  type DrawerOpenPayload,
  drawerOpenPayloadSchema,
  isFinal,
  type OutboxItem,
  type OutboxKind,
  type OutboxPayloads,
  outboxItemSchema,
  priceDiscrepancySchema,
  RECONCILIATION_STATUSES,
  type ReconciliationResult,
  type ReconciliationStatus,
  type ReturnPayload,
  returnPayloadSchema,
  type SalePayload,
  salePayloadSchema,
  stockDiscrepancySchema,
  type UploadResult,
  uploadResultSchema,
} from './commands';
export { enrollTerminal, type TerminalEnrollment } from './enroll';
export {
  AUDIENCES,
  AUDIT_ONLY_TYPES,
  type Audience,
  audiencesOf,
  type BatchDecision,
  type Change,
  type ChangesBatch,
  changeSchema,
  changesBatchSchema,
  coalesce,
  coalescingKey,
  concerns,
  decide,
} from './feed';
export { OutboxUploader, type UploaderOptions } from './outbox';
export {
  type Ack,
  ackSchema,
  CLIENT_KINDS,
  type ClientKind,
  type ClientToServerEvents,
  checkProtocol,
  type Handshake,
  handshakeSchema,
  MAX_UPLOAD_BATCH,
  type Notice,
  OLDEST_SUPPORTED_PROTOCOL,
  PERMANENT_REFUSALS,
  PROTOCOL_VERSION,
  type ProtocolCheck,
  PUSHES,
  parseMessage,
  REFUSAL_CODES,
  REQUEST_ERROR_CODES,
  REQUESTS,
  type ReconciliationReport,
  type Refusal,
  type RefusalCode,
  type RequestError,
  type RequestName,
  type RequestOf,
  type ResultOf,
  reconciliationReportSchema,
  refusalSchema,
  type ServerToClientEvents,
  type Welcome,
  welcomeSchema,
} from './protocol';
export { amountSchema, commandIdSchema, currencySchema, describeIssues, seqSchema, storeIdSchema } from './schemas';
export {
  type MaybePromise,
  MemorySyncStore,
  type Settlement,
  type SnapshotInfo,
  type SnapshotPage,
  type StoredOutboxItem,
  type SyncStore,
} from './store';
export { type Stacking, type StoreSettings, storeSettingsSchema } from './store-settings';
export {
  type SocketIoTransportOptions,
  socketIoTransport,
  type Transport,
  TransportError,
  type TransportStatus,
} from './transport';

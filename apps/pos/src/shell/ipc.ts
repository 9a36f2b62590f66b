/**
 * The one list of IPC channels between the cashier UI and the terminal core. It imports
 * nothing from Electron (types only from the core), so the preload, the main process, the
 * renderer and the browser terminal's bridge all share it.
 */
import type { Result } from '../core/errors';
import type { OperationName, RequestOf, ResponseOf } from '../core/operations';
import type { TerminalEvent } from '../core/views';

/** Every operation of the core, once. The checks below fail to compile if this list and the operations differ. */
export const CHANNELS = [
  'session.get',
  'session.signIn',
  'session.signOut',
  'session.status',
  'checkout.current',
  'checkout.scan',
  'checkout.addSku',
  'checkout.setQuantity',
  'checkout.voidLine',
  'checkout.attachCustomer',
  'checkout.detachCustomer',
  'checkout.addCoupon',
  'checkout.removeCoupon',
  'checkout.setCurrency',
  'checkout.currencies',
  'checkout.cancel',
  'checkout.park',
  'checkout.parked',
  'checkout.resume',
  'checkout.tender',
  'checkout.removeTender',
  'catalog.search',
  'catalog.priceCheck',
  'sales.receipt',
  'sales.recent',
  'returns.find',
  'returns.complete',
  'drawer.open',
] as const;

export type Channel = (typeof CHANNELS)[number];

type MissingChannels = Exclude<OperationName, Channel>;
type UnknownChannels = Exclude<Channel, OperationName>;
type Duplicates<L extends readonly unknown[], Seen = never> = L extends readonly [infer H, ...infer T]
  ? H extends Seen
    ? H | Duplicates<T, Seen>
    : Duplicates<T, Seen | H>
  : never;
/** Compiles only when CHANNELS holds every operation exactly once and nothing else. */
export const CHANNELS_MATCH_OPERATIONS: [MissingChannels, UnknownChannels, Duplicates<typeof CHANNELS>] extends [
  never,
  never,
  never,
]
  ? true
  : { missing: MissingChannels; unknown: UnknownChannels; duplicated: Duplicates<typeof CHANNELS> } = true;

/** The Electron IPC channel name of an operation. */
export function ipcChannel<C extends Channel>(channel: C): `till:${C}` {
  return `till:${channel}`;
}

/** Main → renderer: every TerminalEvent goes over this one channel. */
export const EVENT_CHANNEL = 'till:event';

export type Call<C extends Channel> = (request: RequestOf<C>) => Promise<Result<ResponseOf<C>>>;

type Namespace<C> = C extends `${infer N}.${string}` ? N : never;
type MethodsOf<N extends string> = {
  [C in Channel as C extends `${N}.${infer M}` ? M : never]: Call<C>;
};

/**
 * What the renderer sees as `window.till`: one typed function per operation, grouped by
 * namespace (`till.checkout.scan({ code })`), and a subscription to the core's events.
 * There is no generic invoke: the preload exposes exactly these functions.
 */
export type TillApi = { [N in Namespace<Channel>]: MethodsOf<N> } & {
  events: { subscribe(listener: (event: TerminalEvent) => void): () => void };
};

/** Splits "checkout.scan" into its namespace and method. */
export function splitChannel(channel: Channel): [string, string] {
  const dot = channel.indexOf('.');
  return [channel.slice(0, dot), channel.slice(dot + 1)];
}

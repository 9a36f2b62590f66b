import type { TerminalErrorData } from '../core/errors';
import type { CheckoutView, NoticeView, SaleDoneView, TerminalStatusView } from '../core/views';
import type { TillApi } from '../shell/ipc';

/** Which part of the screen an error belongs to: it is shown there, in words. */
export type ErrorPlace = 'scan' | 'customer' | 'coupon' | 'tender' | 'dialog' | 'signIn' | 'global';

export type DialogKind =
  | 'search'
  | 'customer'
  | 'coupon'
  | 'priceCheck'
  | 'parked'
  | 'park'
  | 'return'
  | 'noSale'
  | 'currency'
  | 'help';

export interface UiState {
  status: TerminalStatusView | null;
  checkout: CheckoutView | null;
  screen: 'sale' | 'tender' | 'done';
  done: SaleDoneView | null;
  dialog: DialogKind | null;
  dialogSeed: string;
  error: { place: ErrorPlace; error: TerminalErrorData } | null;
  notice: NoticeView | null;
  selectedLineId: string | null;
  busy: boolean;
  /** Set when the page cannot reach the core (browser terminal's server gone). */
  disconnected: string | null;
}

export const initialState: UiState = {
  status: null,
  checkout: null,
  screen: 'sale',
  done: null,
  dialog: null,
  dialogSeed: '',
  error: null,
  notice: null,
  selectedLineId: null,
  busy: false,
  disconnected: null,
};

export interface UiContext {
  api: TillApi;
  state: UiState;
  set(patch: Partial<UiState> | ((s: UiState) => Partial<UiState>)): void;
  /** Shows a checkout answer: keeps a price-change notice on screen until the next one. */
  showCheckout(view: CheckoutView): void;
  fail(place: ErrorPlace, error: TerminalErrorData): void;
  focusScan(): void;
}

import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TerminalErrorData } from '../../core/errors';
import type { CheckoutView } from '../../core/views';
import type { TillApi } from '../../shell/ipc';
import { type ErrorPlace, initialState, type UiContext, type UiState } from '../state';
import { Dialogs } from './dialogs';
import { DoneScreen } from './done';
import { SaleScreen } from './sale';
import { SignIn } from './sign-in';
import { TenderScreen } from './tender';
import { TopBar } from './top-bar';

/** Function keys, shown on the buttons they press. */
export const KEYS = {
  search: 'F2',
  priceCheck: 'F3',
  customer: 'F4',
  coupon: 'F5',
  park: 'F6',
  parked: 'F7',
  return: 'F8',
  noSale: 'F9',
  currency: 'F10',
  pay: 'F12',
} as const;

export function App({ api }: { api: TillApi }) {
  const [state, setState] = useState<UiState>(initialState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const scanRef = useRef<HTMLInputElement | null>(null);

  const set = useCallback((patch: Partial<UiState> | ((s: UiState) => Partial<UiState>)) => {
    setState((s) => ({ ...s, ...(typeof patch === 'function' ? patch(s) : patch) }));
  }, []);

  const showCheckout = useCallback(
    (view: CheckoutView) =>
      set((s) => ({
        checkout: view,
        notice: view.notice ?? (view.cartId === s.checkout?.cartId ? s.notice : null),
        selectedLineId:
          view.lastLineId ?? (view.lines.some((l) => l.id === s.selectedLineId) ? s.selectedLineId : null),
      })),
    [set],
  );

  const fail = useCallback((place: ErrorPlace, error: TerminalErrorData) => set({ error: { place, error } }), [set]);
  const focusScan = useCallback(() => scanRef.current?.focus(), []);

  useEffect(() => {
    void api.session.get({}).then((result) => {
      if (result.ok) {
        set({ status: result.value.status });
        showCheckout(result.value.checkout);
      } else fail('global', result.error);
    });
    return api.events.subscribe((event) => {
      if (event.type === 'status') set({ status: event.status, disconnected: null });
      else if (event.type === 'checkout') {
        if (stateRef.current.screen !== 'done') showCheckout(event.checkout);
      } else set({ disconnected: event.message });
    });
  }, [api, set, showCheckout, fail]);

  const ctx: UiContext = useMemo(
    () => ({ api, state, set, showCheckout, fail, focusScan }),
    [api, state, set, showCheckout, fail, focusScan],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const s = stateRef.current;
      if (!s.status?.cashier) return;
      const open = (dialog: UiState['dialog']) => {
        event.preventDefault();
        set({ dialog, dialogSeed: '', error: null });
      };
      if (event.key === 'Escape') {
        if (s.dialog) set({ dialog: null, error: null });
        else if (s.screen === 'tender') set({ screen: 'sale', error: null });
        else set({ error: null });
        focusScan();
        return;
      }
      if (s.dialog || s.screen === 'done') return;
      switch (event.key) {
        case KEYS.search:
          return open('search');
        case KEYS.priceCheck:
          return open('priceCheck');
        case KEYS.customer:
          return open('customer');
        case KEYS.coupon:
          return open('coupon');
        case KEYS.park:
          return open('park');
        case KEYS.parked:
          return open('parked');
        case KEYS.return:
          return open('return');
        case KEYS.noSale:
          return open('noSale');
        case KEYS.currency:
          return open('currency');
        case KEYS.pay:
          event.preventDefault();
          if ((s.checkout?.lines.length ?? 0) > 0) set({ screen: 'tender', error: null });
          return;
        case 'F1':
          return open('help');
        default:
          return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [set, focusScan]);

  if (!state.status) {
    return <div class="booting">{state.error ? state.error.error.message : 'Connecting to the terminal…'}</div>;
  }
  return (
    <div class="till">
      <TopBar ctx={ctx} />
      {state.disconnected ? <div class="banner banner-error">{state.disconnected}</div> : null}
      {!state.status.cashier ? (
        <SignIn ctx={ctx} />
      ) : state.screen === 'done' && state.done ? (
        <DoneScreen ctx={ctx} done={state.done} />
      ) : state.screen === 'tender' && state.checkout ? (
        <TenderScreen ctx={ctx} checkout={state.checkout} />
      ) : (
        <SaleScreen ctx={ctx} scanRef={scanRef} />
      )}
      {state.dialog ? <Dialogs ctx={ctx} /> : null}
    </div>
  );
}

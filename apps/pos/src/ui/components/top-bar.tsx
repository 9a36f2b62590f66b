import { useEffect, useState } from 'preact/hooks';
import { formatTime } from '../../core/format';
import type { UiContext } from '../state';

const CONNECTION_LABEL = {
  online: 'Online',
  offline: 'Offline',
  connecting: 'Connecting…',
  'not-enrolled': 'Not enrolled',
} as const;

/** Always visible: store, terminal, cashier, online/offline, sales waiting to sync, the time. */
export function TopBar({ ctx }: { ctx: UiContext }) {
  const status = ctx.state.status;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!status) return null;
  const zone = status.store?.timeZone ?? 'UTC';
  const pending = status.pendingSales;
  const signOut = async () => {
    const result = await ctx.api.session.signOut({});
    if (result.ok) {
      ctx.set({ status: result.value.status, screen: 'sale', dialog: null });
      ctx.showCheckout(result.value.checkout);
    }
  };
  return (
    <header class="top-bar">
      <div class="brand">
        <span class="logo">Till</span>
        <span class="store">{status.store?.name ?? 'No store yet'}</span>
      </div>
      <div class="who">
        <span class="chip" data-testid="terminal-name">
          Terminal <strong>{status.terminal?.name ?? '—'}</strong>
        </span>
        <span class="chip" data-testid="cashier-name">
          Cashier <strong>{status.cashier ?? '—'}</strong>
          {status.cashier ? (
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          ) : null}
        </span>
      </div>
      <div class="sync">
        <span
          class={`badge badge-${status.connection}`}
          data-testid="connection"
          title={status.connectionDetail ?? undefined}
        >
          <span class="dot" /> {CONNECTION_LABEL[status.connection]}
        </span>
        <span class={`chip ${pending > 0 ? 'chip-warn' : ''}`} data-testid="pending-sales">
          {pending === 0 ? 'All sales synced' : `${pending} ${pending === 1 ? 'sale' : 'sales'} waiting to sync`}
        </span>
        <span class="clock">{formatTime(now + status.clockOffsetMs, zone)}</span>
      </div>
    </header>
  );
}

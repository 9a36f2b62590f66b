import Decimal from 'decimal.js';
import type { RefObject } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatCountdown, formatMoney } from '../../core/format';
import { exchangeText } from '../../core/receipt';
import type { CheckoutView, LineChange, LineView } from '../../core/views';
import { ScannerDetector } from '../scanner';
import type { UiContext } from '../state';
import { KEYS } from './app';

/** "3*0012345678905" scans three of an item; "3*" alone sets the next scan's quantity. */
function splitQuantity(text: string): { qty: number; code: string } {
  const match = /^(\d{1,4})\s*[*xX]\s*(.*)$/.exec(text.trim());
  if (!match) return { qty: 1, code: text.trim() };
  return { qty: Number(match[1]), code: (match[2] ?? '').trim() };
}

export function SaleScreen({ ctx, scanRef }: { ctx: UiContext; scanRef: RefObject<HTMLInputElement | null> }) {
  const { state } = ctx;
  const checkout = state.checkout;
  const [text, setText] = useState('');
  const detector = useMemo(() => new ScannerDetector(), []);

  useEffect(() => {
    if (!state.dialog) scanRef.current?.focus();
  }, [state.dialog, scanRef]);

  // A scanner burst that lands while focus is on a button (not a text field) still scans.
  const scanFromAnywhere = useRef<(code: string) => void>(() => {});
  useEffect(() => {
    const outside = new ScannerDetector();
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [role=dialog]')) return;
      const done = outside.key(event.key, event.timeStamp);
      if (done?.source === 'scanner') {
        event.preventDefault();
        scanFromAnywhere.current(done.code);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const scan = async (code: string, qty: number, source: 'scanner' | 'keyboard') => {
    const result = await ctx.api.checkout.scan({ code, qty, source });
    if (result.ok) {
      ctx.set({ error: null });
      ctx.showCheckout(result.value);
      return;
    }
    // Typed words that are not a barcode are a search by name.
    if (result.error.code === 'UNKNOWN_BARCODE' && source === 'keyboard' && /[a-z]{2}/i.test(code)) {
      ctx.set({ dialog: 'search', dialogSeed: code, error: null });
      return;
    }
    ctx.fail('scan', result.error);
  };

  scanFromAnywhere.current = (code) => void scan(code, 1, 'scanner');

  const onKeyDown = (event: KeyboardEvent) => {
    const completed = detector.key(event.key, event.timeStamp);
    // The field's own value: a wedge scanner types faster than the screen re-renders.
    const typed = (event.currentTarget as HTMLInputElement).value;
    if (event.key === 'Enter') {
      event.preventDefault();
      const { qty, code } = splitQuantity(typed);
      setText('');
      (event.currentTarget as HTMLInputElement).value = '';
      if (code) void scan(code, qty, completed?.source ?? 'keyboard');
      return;
    }
    if (typed === '' && checkout && (event.key === '+' || event.key === '-' || event.key === 'Delete')) {
      event.preventDefault();
      const line = checkout.lines.find((l) => l.id === state.selectedLineId) ?? checkout.lines.at(-1);
      if (!line) return;
      if (event.key === 'Delete') void voidLine(ctx, line);
      else void changeQty(ctx, line, line.qty + (event.key === '+' ? 1 : -1));
      return;
    }
    if (typed === '' && checkout && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      const lines = checkout.lines;
      const at = lines.findIndex((l) => l.id === state.selectedLineId);
      const next = event.key === 'ArrowUp' ? (at <= 0 ? lines.length - 1 : at - 1) : (at + 1) % lines.length;
      ctx.set({ selectedLineId: lines[next]?.id ?? null });
    }
  };

  const scanError = state.error?.place === 'scan' ? state.error.error : null;
  return (
    <main class="sale">
      <section class="lines-pane">
        <form class="scan" onSubmit={(e) => e.preventDefault()}>
          <label for="scan-input" class="visually-hidden">
            Scan or type a barcode, SKU or name
          </label>
          <input
            id="scan-input"
            ref={scanRef}
            data-testid="scan-input"
            class={scanError ? 'has-error' : ''}
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
            onKeyDown={onKeyDown}
            placeholder="Scan, or type a barcode, SKU or name — 3* before a code scans three"
            autocomplete="off"
            spellcheck={false}
          />
        </form>
        {scanError ? (
          <div class="error" role="alert" data-testid="scan-error">
            {scanError.message}
          </div>
        ) : null}
        {state.notice ? <Notice ctx={ctx} /> : null}
        <LineList ctx={ctx} checkout={checkout} />
      </section>
      <SidePanel ctx={ctx} />
    </main>
  );
}

function Notice({ ctx }: { ctx: UiContext }) {
  const notice = ctx.state.notice;
  if (!notice) return null;
  return (
    <div class="notice" role="status" data-testid="notice">
      <div class="notice-head">
        <strong>{notice.message}</strong>
        <button type="button" class="link" onClick={() => ctx.set({ notice: null })}>
          Dismiss
        </button>
      </div>
      <ul>
        {notice.changes.map((c) => (
          <li key={c.lineId}>
            {c.name}: {formatMoney(c.from, ctx.state.checkout?.currency ?? 'USD')} →{' '}
            <strong>{formatMoney(c.to, ctx.state.checkout?.currency ?? 'USD')}</strong> — {c.reasons.join('; ')}
          </li>
        ))}
      </ul>
    </div>
  );
}

async function changeQty(ctx: UiContext, line: LineView, qty: number) {
  const result = await ctx.api.checkout.setQuantity({ lineId: line.id, qty: Math.max(0, qty) });
  if (result.ok) {
    ctx.set({ error: null });
    ctx.showCheckout(result.value);
  } else ctx.fail('scan', result.error);
}

async function voidLine(ctx: UiContext, line: LineView) {
  const result = await ctx.api.checkout.voidLine({ lineId: line.id });
  if (result.ok) {
    ctx.set({ error: null });
    ctx.showCheckout(result.value);
  } else ctx.fail('scan', result.error);
}

function LineList({ ctx, checkout }: { ctx: UiContext; checkout: CheckoutView | null }) {
  const listRef = useRef<HTMLOListElement>(null);
  const selected = ctx.state.selectedLineId;
  useEffect(() => {
    listRef.current?.querySelector('.line.selected')?.scrollIntoView({ block: 'nearest' });
  }, [selected, checkout?.lines.length]);
  if (!checkout || checkout.lines.length === 0) {
    return (
      <div class="empty">
        <p class="empty-title">Ready to scan</p>
        <p>Scan an item, or type its barcode, SKU or name and press Enter.</p>
        <p class="keys">
          {KEYS.search} search · {KEYS.priceCheck} price check · {KEYS.customer} customer · {KEYS.parked} parked sales ·{' '}
          {KEYS.return} return · F1 all keys
        </p>
      </div>
    );
  }
  const changes = new Map<string, LineChange>((ctx.state.notice?.changes ?? []).map((c) => [c.lineId, c]));
  const ending = new Set(checkout.countdown?.ruleIds ?? []);
  return (
    <ol class="lines" ref={listRef} data-testid="lines">
      {checkout.lines.map((line) => (
        <li
          key={line.id}
          class={`line ${line.id === selected ? 'selected' : ''} ${changes.has(line.id) ? 'changed' : ''}`}
          data-testid="line"
          data-sku={line.sku}
        >
          <div class="line-main">
            <div class="qty-stepper">
              <button
                type="button"
                aria-label={`One less ${line.name}`}
                onClick={() => void changeQty(ctx, line, line.qty - 1)}
              >
                −
              </button>
              <span class="qty" data-testid="line-qty">
                {line.qty}
              </span>
              <button
                type="button"
                aria-label={`One more ${line.name}`}
                onClick={() => void changeQty(ctx, line, line.qty + 1)}
              >
                +
              </button>
            </div>
            <button
              type="button"
              class="line-name"
              title="Choose this line (↑ ↓), then + − or Delete"
              onClick={() => ctx.set({ selectedLineId: line.id })}
            >
              <span class="name">{line.name}</span>
              <span class="sku">
                {line.sku}
                {line.qty > 1 ? ` · ${line.qty} × ${formatMoney(line.basePrice, checkout.currency)}` : ''}
              </span>
            </button>
            <div class="line-total">
              {line.discounts.length > 0 ? (
                <s class="was">
                  {formatMoney(new Decimal(line.basePrice).times(line.qty).toFixed(), checkout.currency)}
                </s>
              ) : null}
              <span data-testid="line-total">{formatMoney(line.total, checkout.currency)}</span>
            </div>
            <button
              type="button"
              class="void"
              aria-label={`Void ${line.name}`}
              title="Void this line (Delete)"
              onClick={() => void voidLine(ctx, line)}
            >
              ×
            </button>
          </div>
          {line.discounts.length > 0 || line.notes.length > 0 || line.stockWarning ? (
            <div class="line-detail">
              {line.discounts.map((d) => (
                <div class="discount" key={d.ruleId} data-testid="line-discount">
                  <span>
                    {d.label}
                    {ending.has(d.ruleId) ? ' · ends soon' : ''}
                  </span>
                  <span>−{formatMoney(d.amount, checkout.currency)}</span>
                </div>
              ))}
              {line.notes.map((note) => (
                <div class="note" key={note}>
                  {note}
                </div>
              ))}
              {line.stockWarning ? <div class="stock-warning">{line.stockWarning}</div> : null}
            </div>
          ) : null}
          {changes.get(line.id) ? <div class="changed-why">{changes.get(line.id)?.reasons.join('; ')}</div> : null}
        </li>
      ))}
    </ol>
  );
}

function Countdown({ at, label, offset }: { at: number; label: string; offset: number }) {
  const [now, setNow] = useState(Date.now() + offset);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now() + offset), 250);
    return () => clearInterval(timer);
  }, [offset]);
  return (
    <div class="countdown" data-testid="countdown">
      {label} in <strong>{formatCountdown(at - now)}</strong>
    </div>
  );
}

function SidePanel({ ctx }: { ctx: UiContext }) {
  const { state } = ctx;
  const checkout = state.checkout;
  const currency = checkout?.currency ?? state.status?.store?.currency ?? 'USD';
  const money = (amount: string | undefined) => formatMoney(amount ?? '0', currency);
  const open = (dialog: NonNullable<typeof state.dialog>) => ctx.set({ dialog, dialogSeed: '', error: null });
  const empty = !checkout || checkout.lines.length === 0;
  const detach = async () => {
    const result = await ctx.api.checkout.detachCustomer({});
    if (result.ok) ctx.showCheckout(result.value);
    else ctx.fail('customer', result.error);
  };
  const removeCoupon = async (code: string) => {
    const result = await ctx.api.checkout.removeCoupon({ code });
    if (result.ok) ctx.showCheckout(result.value);
    else ctx.fail('coupon', result.error);
  };
  const voidSale = async () => {
    const result = await ctx.api.checkout.cancel({});
    if (result.ok) {
      ctx.set({ notice: null });
      ctx.showCheckout(result.value);
    } else ctx.fail('scan', result.error);
  };
  return (
    <aside class="side">
      <div class="customer-card">
        {checkout?.customer ? (
          <div class="customer" data-testid="customer">
            <div>
              <div class="customer-name">{checkout.customer.name}</div>
              <div class="muted">
                {checkout.customer.loyaltyCard ? `Card ${checkout.customer.loyaltyCard}` : checkout.customer.phone}
                {checkout.customer.segments.length > 0 ? ` · ${checkout.customer.segments.join(', ')}` : ''}
              </div>
            </div>
            <button type="button" class="link" onClick={detach}>
              Remove
            </button>
          </div>
        ) : (
          <button type="button" class="ghost wide" onClick={() => open('customer')}>
            + Customer / loyalty card <kbd>{KEYS.customer}</kbd>
          </button>
        )}
        {(checkout?.coupons ?? []).map((c) => (
          <div class={`coupon ${c.applied ? 'applied' : ''}`} key={c.code} data-testid="coupon">
            <span>
              <strong>{c.code}</strong> · {c.note}
            </span>
            <button type="button" class="link" onClick={() => void removeCoupon(c.code)}>
              Remove
            </button>
          </div>
        ))}
      </div>
      <dl class="totals" data-testid="totals">
        <div>
          <dt>Items</dt>
          <dd>{checkout?.itemCount ?? 0}</dd>
        </div>
        <div>
          <dt>Subtotal</dt>
          <dd>{money(checkout?.subtotal)}</dd>
        </div>
        {checkout && Number(checkout.discount) !== 0 ? (
          <div class="saving">
            <dt>Discounts</dt>
            <dd data-testid="discount-total">−{money(checkout.discount)}</dd>
          </div>
        ) : null}
        <div>
          <dt>{checkout?.taxIncluded ? 'Tax included' : 'Tax'}</dt>
          <dd>{money(checkout?.tax)}</dd>
        </div>
      </dl>
      {(checkout?.notes ?? []).map((note) => (
        <div class="cart-note" key={note}>
          {note}
        </div>
      ))}
      <div class="grand-total">
        <span>Total</span>
        <span class="amount" data-testid="total">
          {money(checkout?.total)}
        </span>
      </div>
      {checkout?.exchange ? (
        <div class="exchange-note" data-testid="exchange">
          In {checkout.exchange.currency} at {exchangeText(checkout.exchange)}
        </div>
      ) : null}
      {checkout?.countdown ? (
        <Countdown
          at={checkout.countdown.at}
          label={checkout.countdown.label}
          offset={state.status?.clockOffsetMs ?? 0}
        />
      ) : null}
      <button
        type="button"
        class="pay"
        data-testid="pay"
        disabled={empty}
        onClick={() => ctx.set({ screen: 'tender', error: null })}
      >
        Pay <kbd>{KEYS.pay}</kbd>
      </button>
      <div class="actions">
        <button type="button" onClick={() => open('search')}>
          Search <kbd>{KEYS.search}</kbd>
        </button>
        <button type="button" onClick={() => open('priceCheck')}>
          Price check <kbd>{KEYS.priceCheck}</kbd>
        </button>
        <button type="button" onClick={() => open('coupon')}>
          Coupon <kbd>{KEYS.coupon}</kbd>
        </button>
        <button type="button" disabled={empty} onClick={() => open('park')}>
          Park sale <kbd>{KEYS.park}</kbd>
        </button>
        <button type="button" onClick={() => open('parked')}>
          Parked <kbd>{KEYS.parked}</kbd>
        </button>
        <button type="button" onClick={() => open('return')}>
          Return <kbd>{KEYS.return}</kbd>
        </button>
        <button type="button" onClick={() => open('noSale')}>
          No sale <kbd>{KEYS.noSale}</kbd>
        </button>
        <button type="button" data-testid="currency-button" onClick={() => open('currency')}>
          Currency · {currency} <kbd>{KEYS.currency}</kbd>
        </button>
        <button type="button" class="danger span-2" disabled={empty} onClick={voidSale}>
          Void sale
        </button>
      </div>
      {state.error && (state.error.place === 'customer' || state.error.place === 'coupon') ? (
        <div class="error" role="alert">
          {state.error.error.message}
        </div>
      ) : null}
    </aside>
  );
}

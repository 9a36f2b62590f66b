import Decimal from 'decimal.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatMoney } from '../../core/format';
import type { CheckoutView } from '../../core/views';
import type { UiContext } from '../state';

/** Banknote amounts above the amount due that a customer is likely to hand over. */
export function quickCash(due: number): number[] {
  const notes = [1, 5, 10, 20, 50, 100];
  const out = new Set<number>();
  for (const note of notes) {
    const rounded = Math.ceil(due / note) * note;
    if (rounded > due && rounded <= due + 100) out.add(rounded);
  }
  return [...out].sort((a, b) => a - b).slice(0, 4);
}

/** Change for the cash typed so far, when it covers the amount due (null while it does not, or is not an amount). */
function changePreview(amount: string, due: string): string | null {
  if (!/^\d+(\.\d+)?$/.test(amount.trim())) return null;
  const change = new Decimal(amount.trim()).minus(due);
  return change.gt(0) ? change.toFixed() : null;
}

/** Taking payment: cash with change, card (recorded as paid on the card terminal), or both. */
export function TenderScreen({ ctx, checkout }: { ctx: UiContext; checkout: CheckoutView }) {
  const [method, setMethod] = useState<'cash' | 'card'>('cash');
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const amountRef = useRef<HTMLInputElement>(null);
  const money = (a: string) => formatMoney(a, checkout.currency);
  const error = ctx.state.error?.place === 'tender' ? ctx.state.error.error : null;

  useEffect(() => {
    amountRef.current?.focus();
  }, [method]);

  const pay = async (how: 'cash' | 'card', value: string) => {
    if (ctx.state.busy) return;
    ctx.set({ busy: true });
    const result = await ctx.api.checkout.tender({
      method: how,
      ...(value.trim() ? { amount: value.trim() } : {}),
      ...(how === 'card' && reference.trim() ? { reference: reference.trim() } : {}),
      expectedTotal: checkout.total,
    });
    ctx.set({ busy: false });
    if (!result.ok) {
      if (result.error.code === 'TOTAL_CHANGED') {
        const fresh = await ctx.api.checkout.current({});
        if (fresh.ok) ctx.showCheckout(fresh.value);
      }
      ctx.fail('tender', result.error);
      return;
    }
    setAmount('');
    setReference('');
    ctx.set({ error: null });
    if (result.value.done) {
      ctx.set({ screen: 'done', done: result.value.done, notice: null });
      ctx.showCheckout(result.value.done.checkout);
    } else ctx.showCheckout(result.value.checkout);
  };

  const removeTender = async (id: string) => {
    const result = await ctx.api.checkout.removeTender({ tenderId: id });
    if (result.ok) ctx.showCheckout(result.value);
    else ctx.fail('tender', result.error);
  };

  const due = Number(checkout.due);
  return (
    <main class="tender">
      <section class="tender-summary">
        <div class="due-label">Amount due</div>
        <div class="due" data-testid="due">
          {money(checkout.due)}
        </div>
        <div class="muted">
          Total {money(checkout.total)} · {checkout.itemCount} {checkout.itemCount === 1 ? 'item' : 'items'}
          {checkout.customer ? ` · ${checkout.customer.name}` : ''}
        </div>
        {checkout.tenders.length > 0 ? (
          <ul class="tenders" data-testid="tenders">
            {checkout.tenders.map((t) => (
              <li key={t.id}>
                <span>
                  {t.method === 'cash' ? 'Cash' : 'Card'}
                  {t.reference ? ` (${t.reference})` : ''}
                </span>
                <span>{money(t.amount)}</span>
                <button type="button" class="link" onClick={() => void removeTender(t.id)}>
                  Remove
                </button>
              </li>
            ))}
            <li class="paid">
              <span>Paid so far</span>
              <span>{money(checkout.paid)}</span>
              <span />
            </li>
          </ul>
        ) : null}
        <button type="button" class="ghost" onClick={() => ctx.set({ screen: 'sale', error: null })}>
          ← Back to the sale <kbd>Esc</kbd>
        </button>
      </section>
      <section class="tender-input">
        <div class="methods" role="tablist">
          <button
            type="button"
            role="tab"
            class={method === 'cash' ? 'active' : ''}
            aria-selected={method === 'cash'}
            onClick={() => setMethod('cash')}
            data-testid="method-cash"
          >
            Cash
          </button>
          <button
            type="button"
            role="tab"
            class={method === 'card' ? 'active' : ''}
            aria-selected={method === 'card'}
            onClick={() => setMethod('card')}
            data-testid="method-card"
          >
            Card
          </button>
        </div>
        <form
          class="amount-form"
          onSubmit={(e) => {
            e.preventDefault();
            void pay(method, amount);
          }}
        >
          <label for="tender-amount">
            {method === 'cash' ? 'Cash received' : 'Amount on card'} <span class="muted">(empty: the amount due)</span>
          </label>
          <input
            id="tender-amount"
            ref={amountRef}
            data-testid="tender-amount"
            inputMode="decimal"
            value={amount}
            placeholder={checkout.due}
            onInput={(e) => setAmount((e.target as HTMLInputElement).value)}
            autocomplete="off"
          />
          {method === 'card' ? (
            <>
              <label for="card-reference">Card terminal reference (optional)</label>
              <input
                id="card-reference"
                value={reference}
                placeholder="Approval code or last 4 digits"
                onInput={(e) => setReference((e.target as HTMLInputElement).value)}
                autocomplete="off"
              />
            </>
          ) : null}
          {method === 'cash' && changePreview(amount, checkout.due) ? (
            <div class="change-preview" data-testid="change-preview">
              Change to give <strong>{money(changePreview(amount, checkout.due) ?? '0')}</strong>
            </div>
          ) : null}
          {error ? (
            <div class="error" role="alert" data-testid="tender-error">
              {error.message}
            </div>
          ) : null}
          <button type="submit" class="pay" data-testid="tender-confirm" disabled={ctx.state.busy}>
            {method === 'cash'
              ? `Take ${amount.trim() ? money(amount.trim()) : money(checkout.due)} cash`
              : `Card paid ${amount.trim() ? money(amount.trim()) : money(checkout.due)}`}{' '}
            <kbd>Enter</kbd>
          </button>
        </form>
        {method === 'cash' ? (
          <div class="quick-cash">
            <button type="button" onClick={() => void pay('cash', '')}>
              Exact
            </button>
            {quickCash(due).map((note) => (
              <button type="button" key={note} onClick={() => void pay('cash', String(note))}>
                {formatMoney(String(note), checkout.currency)}
              </button>
            ))}
          </div>
        ) : null}
      </section>
    </main>
  );
}

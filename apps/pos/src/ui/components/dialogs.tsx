import Decimal from 'decimal.js';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime, formatMoney, formatTime } from '../../core/format';
import type {
  CurrencyOptionsView,
  ParkedCartView,
  PriceCheckView,
  ProductView,
  ReceiptView,
  ReturnableSaleView,
} from '../../core/views';
import type { DialogKind, UiContext } from '../state';
import { KEYS } from './app';
import { ReceiptPanel } from './done';

const TITLES: Record<DialogKind, string> = {
  search: 'Find a product',
  customer: 'Customer',
  coupon: 'Coupon',
  priceCheck: 'Price check',
  parked: 'Parked sales',
  park: 'Park this sale',
  return: 'Return against a receipt',
  noSale: 'Open the drawer (no sale)',
  currency: 'Price the sale in another currency',
  help: 'Keys',
};

export function Dialogs({ ctx }: { ctx: UiContext }) {
  const kind = ctx.state.dialog;
  if (!kind) return null;
  const close = () => {
    ctx.set({ dialog: null, error: null });
    ctx.focusScan();
  };
  const body = {
    search: <SearchDialog ctx={ctx} close={close} />,
    customer: <CustomerDialog ctx={ctx} close={close} />,
    coupon: <CouponDialog ctx={ctx} close={close} />,
    priceCheck: <PriceCheckDialog ctx={ctx} />,
    parked: <ParkedDialog ctx={ctx} close={close} />,
    park: <ParkDialog ctx={ctx} close={close} />,
    return: <ReturnDialog ctx={ctx} />,
    noSale: <NoSaleDialog ctx={ctx} close={close} />,
    currency: <CurrencyDialog ctx={ctx} close={close} />,
    help: <HelpDialog />,
  }[kind];
  return (
    <div class="overlay">
      <div class={`dialog dialog-${kind}`} role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <div class="dialog-head">
          <h2 id="dialog-title">{TITLES[kind]}</h2>
          <button type="button" class="link" onClick={close}>
            Close <kbd>Esc</kbd>
          </button>
        </div>
        {body}
      </div>
    </div>
  );
}

function DialogError({ ctx }: { ctx: UiContext }) {
  const error = ctx.state.error?.place === 'dialog' ? ctx.state.error.error : null;
  return error ? (
    <div class="error" role="alert" data-testid="dialog-error">
      {error.message}
    </div>
  ) : null;
}

/** One text field that submits on Enter; scanners type into it too (loyalty cards, coupons, receipts). */
function Field(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  onSubmit: () => void;
  placeholder?: string;
  testId: string;
  onKeyDown?: (event: KeyboardEvent) => void;
  children?: ComponentChildren;
}) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <form
      class="field"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <label>
        {props.label}
        <input
          ref={input}
          data-testid={props.testId}
          value={props.value}
          placeholder={props.placeholder}
          onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
          onKeyDown={props.onKeyDown}
          autocomplete="off"
          spellcheck={false}
        />
      </label>
      {props.children}
    </form>
  );
}

function SearchDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [query, setQuery] = useState(ctx.state.dialogSeed);
  const [results, setResults] = useState<ProductView[]>([]);
  const [active, setActive] = useState(0);
  useEffect(() => {
    if (query.trim().length === 0) {
      setResults([]);
      return;
    }
    let current = true;
    void ctx.api.catalog.search({ query, limit: 30 }).then((result) => {
      if (!current) return;
      if (result.ok) {
        setResults(result.value);
        setActive(0);
      } else ctx.fail('dialog', result.error);
    });
    return () => {
      current = false;
    };
  }, [query, ctx.api, ctx.fail]);
  const add = async (product: ProductView | undefined) => {
    if (!product) return;
    const result = await ctx.api.checkout.addSku({ sku: product.sku, qty: 1 });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.showCheckout(result.value);
    close();
  };
  return (
    <div>
      <Field
        label="Name, SKU or barcode"
        value={query}
        onInput={setQuery}
        onSubmit={() => void add(results[active])}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') setActive((a) => Math.min(results.length - 1, a + 1));
          if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
        }}
        placeholder="e.g. merino sweater"
        testId="search-input"
      />
      <DialogError ctx={ctx} />
      <ul class="results" data-testid="search-results">
        {results.map((p, i) => (
          <li key={p.sku} class={i === active ? 'active' : ''}>
            <button type="button" onClick={() => void add(p)}>
              <span class="name">{p.name}</span>
              <span class="sku">
                {p.sku}
                {p.available !== null ? ` · ${p.available} available` : ''}
              </span>
              <span class="price">{formatMoney(p.price, p.currency)}</span>
            </button>
          </li>
        ))}
        {query.trim() && results.length === 0 ? <li class="muted">No product matches “{query}”.</li> : null}
      </ul>
    </div>
  );
}

function CustomerDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [query, setQuery] = useState('');
  const attach = async () => {
    const result = await ctx.api.checkout.attachCustomer({ query });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null });
    ctx.showCheckout(result.value);
    close();
  };
  return (
    <>
      <Field
        label="Scan the loyalty card, or type the card number or phone"
        value={query}
        onInput={setQuery}
        onSubmit={() => void attach()}
        testId="customer-input"
      >
        <button type="submit" class="primary">
          Attach customer
        </button>
      </Field>
      <DialogError ctx={ctx} />
    </>
  );
}

function CouponDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [code, setCode] = useState('');
  const add = async () => {
    const result = await ctx.api.checkout.addCoupon({ code });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null });
    ctx.showCheckout(result.value);
    close();
  };
  return (
    <>
      <Field label="Coupon code" value={code} onInput={setCode} onSubmit={() => void add()} testId="coupon-input">
        <button type="submit" class="primary">
          Apply coupon
        </button>
      </Field>
      <DialogError ctx={ctx} />
    </>
  );
}

function PriceCheckDialog({ ctx }: { ctx: UiContext }) {
  const [code, setCode] = useState('');
  const [check, setCheck] = useState<PriceCheckView | null>(null);
  const zone = ctx.state.status?.store?.timeZone ?? 'UTC';
  const look = async () => {
    const result = await ctx.api.catalog.priceCheck({ code });
    setCode('');
    if (!result.ok) {
      setCheck(null);
      return ctx.fail('dialog', result.error);
    }
    ctx.set({ error: null });
    setCheck(result.value);
  };
  return (
    <>
      <Field
        label="Scan or type the item (nothing is added to the sale)"
        value={code}
        onInput={setCode}
        onSubmit={() => void look()}
        testId="price-check-input"
      />
      <DialogError ctx={ctx} />
      {check ? (
        <div class="price-check" data-testid="price-check">
          <div class="name">{check.product.name}</div>
          <div class="muted">
            {check.product.sku} · shelf price {formatMoney(check.product.price, check.product.currency)}
            {check.product.available !== null ? ` · ${check.product.available} available` : ''}
          </div>
          <div class="big">{formatMoney(check.unitPrice, check.product.currency)}</div>
          {check.discounts.map((d) => (
            <div class="discount" key={d.ruleId}>
              {d.label} −{formatMoney(d.amount, check.product.currency)}
            </div>
          ))}
          {check.notes.map((n) => (
            <div class="note" key={n}>
              {n}
            </div>
          ))}
          {check.nextChange ? (
            <div class="note">Next price change at {formatTime(check.nextChange.at, zone)}</div>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

function ParkDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [label, setLabel] = useState(ctx.state.checkout?.customer?.name ?? '');
  const park = async () => {
    const result = await ctx.api.checkout.park({ label: label.trim() || null });
    if (!result.ok) return ctx.fail('dialog', result.error);
    const current = await ctx.api.checkout.current({});
    if (current.ok) ctx.showCheckout(current.value);
    ctx.set({ notice: null, error: null });
    close();
  };
  return (
    <>
      <Field
        label="A name to find it again (optional)"
        value={label}
        onInput={setLabel}
        onSubmit={() => void park()}
        placeholder="e.g. lady in the red coat"
        testId="park-label"
      >
        <button type="submit" class="primary" data-testid="park-confirm">
          Park sale
        </button>
      </Field>
      <DialogError ctx={ctx} />
    </>
  );
}

function ParkedDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [parked, setParked] = useState<ParkedCartView[] | null>(null);
  const zone = ctx.state.status?.store?.timeZone ?? 'UTC';
  useEffect(() => {
    void ctx.api.checkout.parked({}).then((result) => {
      if (result.ok) setParked(result.value);
      else ctx.fail('dialog', result.error);
    });
  }, [ctx.api, ctx.fail]);
  const resume = async (cartId: string) => {
    const result = await ctx.api.checkout.resume({ cartId });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null, notice: null });
    ctx.showCheckout(result.value);
    close();
  };
  return (
    <>
      <DialogError ctx={ctx} />
      {parked && parked.length === 0 ? <p class="muted">No sales are parked.</p> : null}
      <ul class="parked" data-testid="parked-list">
        {(parked ?? []).map((p) => (
          <li key={p.cartId}>
            <div>
              <div class="name">{p.label ?? 'Parked sale'}</div>
              <div class="muted">
                {p.itemCount} {p.itemCount === 1 ? 'item' : 'items'} · parked {formatDateTime(p.parkedAt, zone)} by{' '}
                {p.cashier}
                {p.customer ? ` · ${p.customer}` : ''}
              </div>
            </div>
            <div class="price">{formatMoney(p.total, p.currency)}</div>
            <button type="button" class="primary" onClick={() => void resume(p.cartId)} data-testid="resume">
              Resume
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function ReturnDialog({ ctx }: { ctx: UiContext }) {
  const [number, setNumber] = useState('');
  const [sale, setSale] = useState<ReturnableSaleView | null>(null);
  const [qty, setQty] = useState<Record<number, number>>({});
  const [method, setMethod] = useState<'cash' | 'card'>('cash');
  const [reason, setReason] = useState('');
  const [restock, setRestock] = useState(true);
  const [receipt, setReceipt] = useState<ReceiptView | null>(null);
  const find = async () => {
    const result = await ctx.api.returns.find({ receiptNumber: number });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null });
    setSale(result.value);
    setQty({});
  };
  const complete = async () => {
    if (!sale) return;
    const lines = Object.entries(qty)
      .filter(([, n]) => n > 0)
      .map(([index, n]) => ({ index: Number(index), qty: n }));
    const result = await ctx.api.returns.complete({
      receiptNumber: sale.receiptNumber,
      lines,
      method,
      reason,
      restock,
    });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null });
    setReceipt(result.value);
  };
  if (receipt) {
    return (
      <div class="return-done">
        <p class="big">Refund {formatMoney(receipt.data.total, receipt.data.currency)} stored.</p>
        <ReceiptPanel receipt={receipt} />
      </div>
    );
  }
  const refund = sale
    ? sale.lines
        .reduce((total, l) => total.plus(new Decimal(l.unitRefund).times(qty[l.index] ?? 0)), new Decimal(0))
        .toFixed()
    : '0';
  return (
    <>
      <Field
        label="Receipt number (scan or type it)"
        value={number}
        onInput={setNumber}
        onSubmit={() => void find()}
        placeholder="e.g. T1-000042"
        testId="return-receipt"
      >
        <button type="submit">Find sale</button>
      </Field>
      <DialogError ctx={ctx} />
      {sale ? (
        <div class="return-sale">
          <p class="muted">
            Sold {formatDateTime(sale.at, ctx.state.status?.store?.timeZone ?? 'UTC')} · total{' '}
            {formatMoney(sale.total, sale.currency)}
            {sale.customer ? ` · ${sale.customer}` : ''}
          </p>
          <ul class="return-lines">
            {sale.lines.map((l) => (
              <li key={l.index}>
                <span class="name">{l.name}</span>
                <span class="muted">
                  {l.returnable} of {l.sold} returnable · {formatMoney(l.unitRefund, sale.currency)} each
                </span>
                <input
                  type="number"
                  min={0}
                  max={l.returnable}
                  value={qty[l.index] ?? 0}
                  disabled={l.returnable === 0}
                  aria-label={`Units of ${l.name} to return`}
                  onInput={(e) =>
                    setQty({
                      ...qty,
                      [l.index]: Math.min(l.returnable, Math.max(0, Number((e.target as HTMLInputElement).value) || 0)),
                    })
                  }
                />
              </li>
            ))}
          </ul>
          <label>
            Reason
            <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </label>
          <label class="check">
            <input type="checkbox" checked={restock} onChange={() => setRestock(!restock)} /> Goods go back on the shelf
          </label>
          <div class="methods">
            <button type="button" class={method === 'cash' ? 'active' : ''} onClick={() => setMethod('cash')}>
              Refund cash
            </button>
            <button type="button" class={method === 'card' ? 'active' : ''} onClick={() => setMethod('card')}>
              Refund to card
            </button>
          </div>
          <button type="button" class="primary wide" onClick={() => void complete()}>
            Refund about {formatMoney(refund, sale.currency)}
          </button>
        </div>
      ) : null}
    </>
  );
}

function NoSaleDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [reason, setReason] = useState('');
  const open = async () => {
    const result = await ctx.api.drawer.open({ reason });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null });
    close();
  };
  return (
    <>
      <Field
        label="Why is the drawer opened? (kept on the record)"
        value={reason}
        onInput={setReason}
        onSubmit={() => void open()}
        placeholder="e.g. change for the float"
        testId="no-sale-reason"
      >
        <button type="submit" class="primary">
          Open drawer
        </button>
      </Field>
      <DialogError ctx={ctx} />
    </>
  );
}

function CurrencyDialog({ ctx, close }: { ctx: UiContext; close: () => void }) {
  const [choices, setChoices] = useState<CurrencyOptionsView | null>(null);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    void ctx.api.checkout.currencies({}).then((result) => {
      if (result.ok) setChoices(result.value);
      else ctx.fail('dialog', result.error);
    });
  }, [ctx.api, ctx.fail]);
  useEffect(() => {
    list.current?.querySelector<HTMLButtonElement>('li.active button, li button')?.focus();
  }, [choices]);
  const choose = async (currency: string) => {
    const result = await ctx.api.checkout.setCurrency({ currency });
    if (!result.ok) return ctx.fail('dialog', result.error);
    ctx.set({ error: null });
    ctx.showCheckout(result.value);
    close();
  };
  // ↑ ↓ move between currencies, Enter picks one.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('li button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = event.key === 'ArrowDown' ? (at + 1) % buttons.length : (at - 1 + buttons.length) % buttons.length;
    buttons[next]?.focus();
  };
  if (!choices) return <DialogError ctx={ctx} />;
  const zone = ctx.state.status?.store?.timeZone ?? 'UTC';
  return (
    <>
      <p class="muted">
        Every line is priced again in the currency chosen, at the store server’s exchange rate. Payments are taken in
        it.
      </p>
      <ul class="results currencies" ref={list} onKeyDown={onKeyDown} data-testid="currency-list">
        {choices.options.map((option) => (
          <li key={option.currency} class={option.currency === choices.current ? 'active' : ''}>
            <button type="button" data-currency={option.currency} onClick={() => void choose(option.currency)}>
              <span class="name">
                {option.currency}
                {option.currency === choices.current ? ' · now' : ''}
              </span>
              <span class="sku">
                {option.rate === null
                  ? 'The store’s currency'
                  : `1 ${choices.storeCurrency} = ${option.rate} ${option.currency}${
                      option.asOf === null ? '' : ` · rates of ${formatDateTime(option.asOf, zone)}`
                    }`}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {choices.options.length === 1 ? (
        <p class="muted" data-testid="no-rates">
          No exchange rates have reached this terminal yet: sales are in {choices.storeCurrency} only.
        </p>
      ) : null}
      <DialogError ctx={ctx} />
    </>
  );
}

function HelpDialog() {
  const rows: [string, string][] = [
    ['Enter', 'scan what is typed in the scan field'],
    ['3*code', 'scan three of an item'],
    ['↑ ↓', 'choose a line'],
    ['+ / −', 'one more / one less of the chosen line'],
    ['Delete', 'void the chosen line'],
    [KEYS.search, 'search by name'],
    [KEYS.priceCheck, 'price check'],
    [KEYS.customer, 'customer by loyalty card or phone'],
    [KEYS.coupon, 'coupon'],
    [KEYS.park, 'park the sale'],
    [KEYS.parked, 'parked sales'],
    [KEYS.return, 'return against a receipt'],
    [KEYS.noSale, 'open the drawer without a sale'],
    [KEYS.currency, 'price the sale in another currency'],
    [KEYS.pay, 'pay'],
    ['Esc', 'close, go back'],
  ];
  return (
    <table class="help">
      <tbody>
        {rows.map(([key, what]) => (
          <tr key={key}>
            <td>
              <kbd>{key}</kbd>
            </td>
            <td>{what}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

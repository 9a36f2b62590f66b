import { useEffect, useRef, useState } from 'preact/hooks';
import { formatMoney } from '../../core/format';
import type { ReceiptView, SaleDoneView } from '../../core/views';
import type { UiContext } from '../state';

/** The printable receipt in a frame, with print and email-ready data. */
export function ReceiptPanel({ receipt }: { receipt: ReceiptView }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [showEmail, setShowEmail] = useState(false);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard?.writeText(receipt.email.text).catch(() => {});
    setCopied(true);
  };
  return (
    <div class="receipt-panel">
      <iframe ref={frame} title={`Receipt ${receipt.data.receiptNumber}`} srcdoc={receipt.html} data-testid="receipt" />
      <div class="receipt-actions">
        <button type="button" onClick={() => frame.current?.contentWindow?.print()}>
          Print receipt
        </button>
        <button type="button" onClick={() => setShowEmail(!showEmail)}>
          Email receipt
        </button>
      </div>
      {showEmail ? (
        <div class="email" data-testid="email">
          <div>
            <span class="muted">To</span> {receipt.email.to ?? 'ask the customer for an address'}
          </div>
          <div>
            <span class="muted">Subject</span> {receipt.email.subject}
          </div>
          <button type="button" class="link" onClick={copy}>
            {copied ? 'Copied' : 'Copy the email text'}
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** After the sale is stored: change to hand back, the receipt, and on to the next customer. */
export function DoneScreen({ ctx, done }: { ctx: UiContext; done: SaleDoneView }) {
  const next = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    next.current?.focus();
  }, []);
  const currency = done.receipt.data.currency;
  const hasChange = Number(done.change) > 0;
  const nextSale = () => {
    ctx.set({ screen: 'sale', done: null, error: null, notice: null });
    ctx.focusScan();
  };
  return (
    <main class="done">
      <section class="done-summary">
        <div class="done-title" data-testid="sale-done">
          Sale complete
        </div>
        <div class="muted">
          Receipt {done.receipt.data.receiptNumber} · {formatMoney(done.receipt.data.total, currency)} · saved on this
          terminal
        </div>
        <div class={`change ${hasChange ? '' : 'no-change'}`}>
          <div class="due-label">{hasChange ? 'Change to give' : 'No change due'}</div>
          <div class="due" data-testid="change">
            {formatMoney(done.change, currency)}
          </div>
        </div>
        <button type="button" class="pay" ref={next} onClick={nextSale} data-testid="next-sale">
          Next sale <kbd>Enter</kbd>
        </button>
      </section>
      <ReceiptPanel receipt={done.receipt} />
    </main>
  );
}

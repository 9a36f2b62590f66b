import Decimal from 'decimal.js';
import { formatDateTime, formatMoney } from './format';
import type { EmailReceipt, ExchangeView, ReceiptData, ReceiptView } from './views';

/** A receipt as printable HTML (80 mm paper or a screen) and as email-ready data. */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const isZero = (amount: string) => new Decimal(amount).isZero();

/** "1 USD = 0.92 EUR (rates demo-usd-2026-11-20)". */
export function exchangeText(exchange: ExchangeView): string {
  const source = exchange.snapshotId ? ` (rates ${exchange.snapshotId})` : '';
  return `1 ${exchange.base} = ${exchange.rate} ${exchange.currency}${source}`;
}

function title(data: ReceiptData): string {
  return data.kind === 'return' ? 'Refund' : 'Receipt';
}

export function receiptHtml(data: ReceiptData): string {
  const money = (amount: string) => escapeHtml(formatMoney(amount, data.currency));
  const lines = data.lines
    .map((line) => {
      const discounts = line.discounts
        .map((d) => `<tr class="discount"><td colspan="2">${escapeHtml(d.label)}</td><td>-${money(d.amount)}</td></tr>`)
        .join('');
      // A sale shows shelf prices with the savings under them; a refund shows what is paid back.
      const gross = data.kind === 'return' ? line.total : new Decimal(line.basePrice).times(line.qty).toFixed();
      const qty =
        line.qty === 1 || data.kind === 'return' ? '' : `<div class="qty">${line.qty} × ${money(line.basePrice)}</div>`;
      return `<tr><td colspan="2">${escapeHtml(line.name)}${qty}</td><td>${money(gross)}</td></tr>${discounts}`;
    })
    .join('');
  const tenders = data.tenders
    .map(
      (t) =>
        `<tr><td colspan="2">${t.method === 'cash' ? 'Cash' : 'Card'}${t.reference ? ` (${escapeHtml(t.reference)})` : ''}</td><td>${money(t.amount)}</td></tr>`,
    )
    .join('');
  const change =
    data.kind === 'sale' && !isZero(data.change)
      ? `<tr><td colspan="2">Change</td><td>${money(data.change)}</td></tr>`
      : '';
  const sign = data.kind === 'return' ? '-' : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title(data)} ${escapeHtml(data.receiptNumber)}</title>
<style>
  body { font: 13px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; color: #000; margin: 0; }
  .receipt { width: 72mm; margin: 0 auto; padding: 4mm 0; }
  h1 { font-size: 16px; text-align: center; margin: 0 0 2px; }
  .meta { text-align: center; margin-bottom: 8px; }
  table { width: 100%; border-collapse: collapse; }
  td { vertical-align: top; padding: 1px 0; }
  td:last-child { text-align: right; white-space: nowrap; }
  .qty { color: #333; }
  .discount td { color: #333; }
  .discount td:first-child { padding-left: 1.5em; }
  .sep td { border-top: 1px dashed #000; padding-top: 4px; }
  .total td { font-weight: bold; font-size: 15px; }
  .foot { text-align: center; margin-top: 10px; }
  @media print { @page { size: 80mm auto; margin: 0; } }
</style></head>
<body><div class="receipt">
<h1>${escapeHtml(data.store.name)}</h1>
<div class="meta">${title(data)} ${escapeHtml(data.receiptNumber)}<br>${escapeHtml(formatDateTime(data.at, data.store.timeZone))}<br>Terminal ${escapeHtml(data.terminal)} · ${escapeHtml(data.cashier)}${
    data.customer ? `<br>Customer: ${escapeHtml(data.customer.name)}` : ''
  }${data.returnOf ? `<br>Return of ${escapeHtml(data.returnOf.receiptNumber)}` : ''}${
    data.reason ? `<br>Reason: ${escapeHtml(data.reason)}` : ''
  }</div>
<table>
${lines}
<tr class="sep"><td colspan="2">Subtotal</td><td>${money(data.subtotal)}</td></tr>
${isZero(data.discount) ? '' : `<tr><td colspan="2">You saved</td><td>${money(data.discount)}</td></tr>`}
<tr><td colspan="2">${data.taxIncluded ? 'Tax included' : 'Tax'}</td><td>${money(data.tax)}</td></tr>
<tr class="total"><td colspan="2">${data.kind === 'return' ? 'Refunded' : 'Total'}</td><td>${sign}${money(data.total)}</td></tr>
<tr class="sep"><td colspan="3"></td></tr>
${tenders}
${change}
</table>
${data.exchange ? `<div class="foot">${escapeHtml(exchangeText(data.exchange))}</div>` : ''}
${data.coupons.length > 0 ? `<div class="foot">Coupons: ${data.coupons.map(escapeHtml).join(', ')}</div>` : ''}
<div class="foot">Thank you for shopping with us.</div>
</div></body></html>`;
}

export function receiptText(data: ReceiptData): string {
  const money = (amount: string) => formatMoney(amount, data.currency);
  const rows: string[] = [
    data.store.name,
    `${title(data)} ${data.receiptNumber} · ${formatDateTime(data.at, data.store.timeZone)}`,
    '',
  ];
  for (const line of data.lines) {
    rows.push(`${line.qty} × ${line.name}  ${money(new Decimal(line.basePrice).times(line.qty).toFixed())}`);
    for (const d of line.discounts) rows.push(`    ${d.label}  -${money(d.amount)}`);
  }
  rows.push('', `Subtotal  ${money(data.subtotal)}`);
  if (!isZero(data.discount)) rows.push(`You saved  ${money(data.discount)}`);
  rows.push(`${data.taxIncluded ? 'Tax included' : 'Tax'}  ${money(data.tax)}`);
  rows.push(`${data.kind === 'return' ? 'Refunded' : 'Total'}  ${money(data.total)}`);
  for (const t of data.tenders) rows.push(`${t.method === 'cash' ? 'Cash' : 'Card'}  ${money(t.amount)}`);
  if (data.kind === 'sale' && !isZero(data.change)) rows.push(`Change  ${money(data.change)}`);
  if (data.exchange) rows.push('', exchangeText(data.exchange));
  return rows.join('\n');
}

export function emailReceipt(data: ReceiptData): EmailReceipt {
  return {
    to: data.customer?.email ?? null,
    subject: `Your ${title(data).toLowerCase()} ${data.receiptNumber} from ${data.store.name}`,
    text: receiptText(data),
    html: receiptHtml(data),
  };
}

export function receiptView(data: ReceiptData): ReceiptView {
  return { data, html: receiptHtml(data), email: emailReceipt(data) };
}

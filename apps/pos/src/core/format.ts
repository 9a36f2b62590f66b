/**
 * Display of money and times for the cashier and receipts. Pure (no Node, no DOM), so the
 * renderer and the core's receipt builder format alike. Amounts stay decimal strings: the
 * integer part goes through Intl as a BigInt, the fraction is kept as written.
 */

/** Formatters are costly to make and immutable once made: kept per locale and currency. */
const integerFormats = new Map<string, Intl.NumberFormat>();

function integerFormat(currency: string, locale: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = integerFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: 0,
      maximumFractionDigits: 0,
    });
    integerFormats.set(key, format);
  }
  return format;
}

const decimalSeparators = new Map<string, string>();

function decimalSeparator(locale: string): string {
  let separator = decimalSeparators.get(locale);
  if (separator === undefined) {
    separator = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
    decimalSeparators.set(locale, separator);
  }
  return separator;
}

/** ISO 4217 currencies whose minor unit is not 2 (cents). */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** Minor units of a currency by ISO 4217 (USD 2, JPY 0, KWD 3). */
export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** "1234.5" USD → "$1,234.50"; "-3" → "-$3.00". */
export function formatMoney(amount: string, currency: string, locale = 'en-US'): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) return `${amount} ${currency}`;
  const [, sign = '', whole = '0', fraction = ''] = match;
  const digits = minorUnits(currency);
  const negative = sign === '-' && /[1-9]/.test(whole + fraction);
  const parts = integerFormat(currency, locale).formatToParts(BigInt(whole));
  const decimal = decimalSeparator(locale);
  let shown = fraction.padEnd(digits, '0');
  while (shown.length > digits && shown.endsWith('0')) shown = shown.slice(0, -1);
  const lastInteger = parts.map((p) => p.type).lastIndexOf('integer');
  const out = parts.map((p, i) => (i === lastInteger && shown ? `${p.value}${decimal}${shown}` : p.value)).join('');
  return negative ? `-${out}` : out;
}

export function formatTime(epochMs: number, timeZone: string, locale = 'en-US'): string {
  return new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(
    epochMs,
  );
}

export function formatDateTime(epochMs: number, timeZone: string, locale = 'en-US'): string {
  return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(epochMs);
}

/** "02:05" for 125 s; "1:02:05" past an hour. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * ISO 4217 currencies in use, with their minor units (digits after the decimal point).
 * Most have 2; the exceptions are listed separately so the table stays readable.
 * Funds codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) are included; precious metals
 * and testing codes (XAU, XTS, XXX, ...) are not, as they are not sold at a till.
 */
const TWO_DIGITS = `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN
BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ
GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP
MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG
SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD
XCG YER ZAR ZMW ZWG`;
const ZERO_DIGITS = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const THREE_DIGITS = 'BHD IQD JOD KWD LYD OMR TND';
const FOUR_DIGITS = 'CLF UYW';

function table(): ReadonlyMap<string, number> {
  const entries: [string, number][] = [];
  for (const [codes, digits] of [
    [TWO_DIGITS, 2],
    [ZERO_DIGITS, 0],
    [THREE_DIGITS, 3],
    [FOUR_DIGITS, 4],
  ] as const) {
    for (const code of codes.split(/\s+/)) if (code) entries.push([code, digits]);
  }
  return new Map(entries);
}

/** ISO 4217 code → minor units. Read-only. */
export const CURRENCY_MINOR_UNITS: ReadonlyMap<string, number> = table();

/** Symbols used in words for people (receipts, explanations); other currencies show their code. */
export const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = {
  USD: '$',
  EUR: '€',
  GBP: '£',
  JPY: '¥',
  CAD: 'CA$',
  AUD: 'A$',
  CHF: 'CHF ',
  INR: '₹',
  KRW: '₩',
  CNY: 'CN¥',
  MXN: 'MX$',
  BRL: 'R$',
};

import { isCurrency } from '@till/engine';
import countryToCurrency from 'country-to-currency';
import { AppError } from '../errors';

/**
 * Which currency a shopper is priced in: the one they asked for; otherwise the usual
 * currency of the country their IP is in (GeoIP); otherwise the store's own.
 */

const BY_COUNTRY: Readonly<Record<string, string>> = countryToCurrency;

export type CurrencySource = 'parameter' | 'geoip' | 'store';

export interface CurrencyChoice {
  currency: string;
  source: CurrencySource;
  /** The country GeoIP found, when it was asked. */
  country: string | null;
}

/** An ISO 4217 currency the engine can price in (it knows its minor unit). */
export function isKnownCurrency(code: string): boolean {
  return isCurrency(code);
}

export function currencyOfCountry(country: string): string | undefined {
  const code = BY_COUNTRY[country];
  return code && isKnownCurrency(code) ? code : undefined;
}

/** Refuses a code that is not an ISO 4217 currency, naming the field it came from. */
export function requireKnownCurrency(code: string, field: string): string {
  const upper = code.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(upper) || !isKnownCurrency(upper)) {
    throw new AppError(400, 'UNKNOWN_CURRENCY', `${code} is not an ISO 4217 currency code`, {
      currency: code,
      fields: [{ field, problem: 'must be an ISO 4217 currency code like "EUR"' }],
    });
  }
  return upper;
}

/**
 * The shopper's currency before the store is consulted: the requested one (refused if it is
 * not ISO 4217), else the usual currency of the country GeoIP finds for the IP; undefined
 * currency means "the store's own".
 */
export function preferredCurrency(input: {
  requested: string | undefined;
  requestedField?: string;
  clientIp: string | undefined;
  countryOf: ((ip: string) => string | undefined) | undefined;
}): Omit<CurrencyChoice, 'currency'> & { currency: string | undefined } {
  if (input.requested) {
    return {
      currency: requireKnownCurrency(input.requested, input.requestedField ?? 'currency'),
      source: 'parameter',
      country: null,
    };
  }
  const country = input.clientIp && input.countryOf ? input.countryOf(input.clientIp) : undefined;
  const fromCountry = country ? currencyOfCountry(country) : undefined;
  if (fromCountry) return { currency: fromCountry, source: 'geoip', country: country ?? null };
  return { currency: undefined, source: 'store', country: country ?? null };
}

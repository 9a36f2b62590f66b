import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The ECB's daily euro foreign exchange reference rates (eurofxref-daily.xml):
 *
 *   <gesmes:Envelope …><Cube><Cube time="2026-11-20">
 *     <Cube currency="USD" rate="1.0765"/> …
 *   </Cube></Cube></gesmes:Envelope>
 *
 * Rates are units of each currency per 1 EUR. A file with several days (the 90-day
 * history) gives its latest day.
 */

export class RatesFeedFormatError extends Error {
  override name = 'RatesFeedFormatError';
}

export interface EcbRates {
  date: string;
  base: 'EUR';
  rates: Record<string, string>;
}

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'Cube',
});

const asNodes = (value: unknown): Node[] =>
  Array.isArray(value) ? value.filter((v): v is Node => typeof v === 'object' && v !== null) : [];

export function parseEcbDailyXml(xml: string): EcbRates {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new RatesFeedFormatError(
      `not well-formed XML (line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg})`,
    );
  }
  const document = parser.parse(xml) as Node;
  const envelope = document.Envelope as Node | undefined;
  if (!envelope) throw new RatesFeedFormatError('no <gesmes:Envelope>: this is not the ECB reference-rates format');
  const days = asNodes(envelope.Cube).flatMap((outer) => asNodes(outer.Cube));
  const dated = days.filter((d) => typeof d.time === 'string');
  if (dated.length === 0) throw new RatesFeedFormatError('no <Cube time="YYYY-MM-DD"> holding rates');
  const latest = dated.reduce((a, b) => (String(b.time) > String(a.time) ? b : a));
  const date = String(latest.time);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new RatesFeedFormatError(`the day "${date}" is not a date like 2026-11-20`);
  }
  const rates: Record<string, string> = {};
  for (const cube of asNodes(latest.Cube)) {
    const currency = cube.currency;
    const rate = cube.rate;
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      throw new RatesFeedFormatError(`a rate of ${date} has no 3-letter currency (got ${JSON.stringify(currency)})`);
    }
    if (typeof rate !== 'string' || !/^\d{1,12}(\.\d{1,12})?$/.test(rate.trim()) || /^0*(\.0*)?$/.test(rate.trim())) {
      throw new RatesFeedFormatError(
        `the rate of ${currency} on ${date} is not a positive number (got ${JSON.stringify(rate)})`,
      );
    }
    if (rates[currency]) throw new RatesFeedFormatError(`${currency} appears twice on ${date}`);
    rates[currency] = rate.trim();
  }
  if (Object.keys(rates).length === 0) throw new RatesFeedFormatError(`no rates on ${date}`);
  return { date, base: 'EUR', rates };
}

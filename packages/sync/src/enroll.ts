import { z } from 'zod';

/** What a terminal keeps after enrolling: its id and its token (secret: store it like a password). */
export const terminalEnrollmentSchema = z.object({
  terminalId: z.string(),
  storeId: z.string(),
  name: z.string(),
  token: z.string(),
});
export type TerminalEnrollment = z.output<typeof terminalEnrollmentSchema>;

/**
 * Exchanges a one-time enrollment code (made by a manager) for this terminal's token.
 * Throws an Error whose message is the server's explanation (unknown, used, expired code).
 */
export async function enrollTerminal(
  serverUrl: string,
  input: { code: string; name?: string },
  fetchImpl: typeof fetch = fetch,
): Promise<TerminalEnrollment> {
  const response = await fetchImpl(new URL('/v1/terminals/enroll', serverUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
    throw new Error(typeof message === 'string' ? message : `enrollment failed: HTTP ${response.status}`);
  }
  const parsed = terminalEnrollmentSchema.safeParse(body);
  if (!parsed.success) throw new Error('the server answered the enrollment with something unexpected');
  return parsed.data;
}

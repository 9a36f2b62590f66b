import { describeIssues, type OutboxItem, outboxItemSchema } from '@till/sync';
import { validate as isUuid, v7 as uuidv7 } from 'uuid';
import type { UploadSession } from './outcome';

/** An uploaded item as the server read it: a command to apply, or one to reject and why. */
export type Prepared =
  | { index: number; valid: true; item: OutboxItem }
  | {
      index: number;
      valid: false;
      /** The id the rejection is recorded under: the item's own, or a new one when it had none. */
      id: string;
      /** The item's own id, as its result names it (null: none could be read). */
      givenId: string | null;
      kind: string;
      raw: unknown;
      /** When the terminal recorded it, when that could be read. */
      createdAt: number | null;
      reason: string;
    };

const KINDS = new Set<string>(['sale', 'return', 'cash_count', 'drawer_open'] satisfies OutboxItem['kind'][]);

/** Reads one uploaded item: its shape, and that this terminal made it. */
export function prepare(raw: unknown, index: number, session: UploadSession): Prepared {
  const rawId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  const givenId = typeof rawId === 'string' && isUuid(rawId) ? rawId.toLowerCase() : null;
  const rawKind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  const kind = typeof rawKind === 'string' && KINDS.has(rawKind) ? rawKind : 'unreadable';
  const invalid = (reason: string): Prepared => ({
    index,
    valid: false,
    id: givenId ?? uuidv7(),
    givenId,
    kind,
    raw,
    createdAt: null,
    reason: storable(reason) as string,
  });
  const parsed = outboxItemSchema.safeParse(raw);
  if (!parsed.success) return invalid(`malformed: ${describeIssues(parsed.error)}`);
  if (parsed.data.terminalId !== session.terminalId) {
    return invalid(
      `unknown terminal: the command was made by ${parsed.data.terminalId}, but this connection is terminal ${session.terminalId}`,
    );
  }
  return { index, valid: true, item: { ...parsed.data, id: parsed.data.id.toLowerCase() } };
}

/** The same item, rejected for a reason found after reading it. */
export function rejected(p: Prepared, reason: string): Prepared {
  if (!p.valid) return { ...p, reason: storable(reason) as string };
  const { item } = p;
  return {
    index: p.index,
    valid: false,
    id: item.id,
    givenId: item.id,
    kind: item.kind,
    raw: item,
    createdAt: item.createdAt,
    reason: storable(reason) as string,
  };
}

/**
 * What of a rejected item PostgreSQL can keep: `jsonb` refuses the NUL character, so an
 * item carrying one is recorded with U+FFFD in its place rather than never recorded at all.
 */
export function storable(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\uFFFD');
  if (Array.isArray(value)) return value.map(storable);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)]));
  }
  return value;
}

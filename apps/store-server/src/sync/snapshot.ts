import type { Audience, ResultOf } from '@till/sync';
import type pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { safeHead } from './feed-reader';
import { sectionsFor } from './sections';

/**
 * Paged snapshots for clients too far behind (or new). A snapshot is "fuzzy": it starts at
 * a point `asOf` below which every change is final, then reads current state page by page
 * while changes keep coming. The client then continues the feed from `asOf`; changes it
 * replays that a page already showed are full states, so applying them again is harmless
 * and the replica ends exactly current. No transaction stays open between pages.
 */

export class UnknownSectionError extends Error {
  override name = 'UnknownSectionError';
}

export async function beginSnapshot(db: pg.Pool, audience: Audience): Promise<ResultOf<'snapshot.begin'>> {
  const asOf = await safeHead(db, 2_000);
  return { snapshotId: `snap_${asOf}_${uuidv7()}`, asOf, sections: sectionsFor(audience).map((s) => s.name) };
}

export async function snapshotPage(
  db: pg.Pool,
  scope: { storeId: string; audience: Audience },
  request: { section: string; after: string | null; limit: number },
): Promise<ResultOf<'snapshot.page'>> {
  const section = sectionsFor(scope.audience).find((s) => s.name === request.section);
  if (!section) throw new UnknownSectionError(`there is no snapshot section "${request.section}" for this client`);
  const page = await section.page(db, scope.storeId, request.after, request.limit);
  return { section: section.name, ...page };
}

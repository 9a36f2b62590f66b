import type pg from 'pg';

/** The tables a sale grows from nothing within minutes. */
const TABLES = ['holds'] as const;

/**
 * Keeps PostgreSQL's planner statistics of the holds table current during a sale.
 *
 * A flash sale takes `holds` from a few rows to tens of thousands in a minute, faster than
 * autovacuum's analyze follows (it waits for its naptime, and some servers run without it).
 * Without statistics, PostgreSQL may look a holder's hold up through the index of the SKU's
 * holds (every active hold of a hot SKU, one by one) instead of the holder's unique index:
 * measured, 1.4 ms per decision at 6,000 active holds instead of a few µs. So once a table has
 * changed by a fifth since its last analyze (and by at least `minChanges` rows), it is analyzed
 * here; ANALYZE samples, and blocks no writer.
 */
export async function refreshHoldStatistics(db: pg.Pool, minChanges = 500): Promise<string[]> {
  const { rows } = await db.query<{ relname: string }>(
    `SELECT relname FROM pg_stat_user_tables
     WHERE schemaname = current_schema() AND relname = ANY($1)
       AND n_mod_since_analyze >= greatest($2, 0.2 * n_live_tup)`,
    [TABLES, minChanges],
  );
  const analyzed: string[] = [];
  for (const { relname } of rows) {
    if (!(TABLES as readonly string[]).includes(relname)) continue;
    await db.query(`ANALYZE ${relname}`);
    analyzed.push(relname);
  }
  return analyzed;
}

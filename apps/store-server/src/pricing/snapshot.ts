import type pg from 'pg';
import { type EngineRule, type PreparedRules, type RuleIssue, ValidatedRules } from './engine';
import { type PriceListContent, priceListRule } from './price-lists';
import { effectiveRule } from './rules';

/**
 * The rules of one pricing version of a store, prepared for the engine (its index by SKU
 * and category). A version's rules never change, so a snapshot is built once and shared
 * by every request priced at that version; a newer version replaces it.
 */
export interface RulesSnapshot {
  storeId: string;
  version: number;
  /** `<store>@<version>`: what a priced cart names as the rules that priced it. */
  id: string;
  /** The effective rules (campaign windows applied; disabled and never-active rules left out) and price lists. */
  rules: readonly EngineRule[];
  prepared: PreparedRules;
  /** Stored rules the engine refused when indexing (left out of pricing, reported). */
  skipped: Array<{ ruleId: string; issues: RuleIssue[] }>;
}

export const snapshotId = (storeId: string, version: number) => `${storeId}@${version}`;

/** Reads a version and its rules in one statement, so the two always belong together. */
export async function loadRulesSnapshot(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  validated: ValidatedRules = new ValidatedRules(),
): Promise<RulesSnapshot> {
  const { rows } = await db.query<{
    version: string;
    rules: Array<{ rule: EngineRule; startsAt: string | null; endsAt: string | null }>;
    price_lists: PriceListContent[];
  }>(
    `SELECT coalesce((SELECT version FROM pricing_versions WHERE store_id = $1), 0)::text AS version,
            coalesce((SELECT json_agg(json_build_object('rule', r.rule, 'startsAt', c.starts_at, 'endsAt', c.ends_at)
                                      ORDER BY r.id)
                      FROM pricing_rules r LEFT JOIN campaigns c ON c.store_id = r.store_id AND c.id = r.campaign_id
                      WHERE r.store_id = $1 AND r.enabled), '[]'::json) AS rules,
            coalesce((SELECT json_agg(json_build_object('id', l.id, 'name', l.name, 'channel', l.channel,
                                                        'priority', l.priority, 'prices', coalesce(
                        (SELECT json_agg(json_build_object('sku', p.sku, 'price', p.price::text) ORDER BY p.sku)
                         FROM price_list_prices p WHERE p.store_id = l.store_id AND p.price_list_id = l.id),
                        '[]'::json)) ORDER BY l.id)
                      FROM price_lists l WHERE l.store_id = $1), '[]'::json) AS price_lists`,
    [storeId],
  );
  const row = rows[0];
  const version = Number(row?.version ?? 0);
  const rules: EngineRule[] = [];
  for (const r of row?.rules ?? []) {
    const window = r.startsAt && r.endsAt ? { startsAt: new Date(r.startsAt), endsAt: new Date(r.endsAt) } : null;
    const effective = effectiveRule(r.rule, true, window);
    if (effective) rules.push(effective);
  }
  for (const list of row?.price_lists ?? []) {
    const rule = priceListRule(list);
    if (rule) rules.push(rule);
  }
  const skipped: RulesSnapshot['skipped'] = [];
  const prepared = validated.prepare(rules, (ruleId, issues) => skipped.push({ ruleId, issues }));
  return { storeId, version, id: snapshotId(storeId, version), rules, prepared, skipped };
}

/**
 * The newest snapshot of each store, built at most once per version even when many
 * requests ask at the same moment. Callers say which version they read with their other
 * facts; `at` answers that version, or a newer one when the database has moved on (the
 * caller then reads its facts again, so that it never mixes two versions).
 */
export class RulesSnapshots {
  private readonly latest = new Map<string, { version: number; snapshot: Promise<RulesSnapshot> }>();
  private readonly validated = new Map<string, ValidatedRules>();

  constructor(
    private readonly db: pg.Pool,
    private readonly onBuilt: (snapshot: RulesSnapshot) => void = () => {},
  ) {}

  async at(storeId: string, version: number): Promise<RulesSnapshot> {
    const cached = this.latest.get(storeId);
    if (cached && cached.version >= version) return cached.snapshot;
    let validated = this.validated.get(storeId);
    if (!validated) {
      validated = new ValidatedRules();
      this.validated.set(storeId, validated);
    }
    const loading = loadRulesSnapshot(this.db, storeId, validated);
    const entry = { version, snapshot: loading };
    this.latest.set(storeId, entry);
    try {
      const snapshot = await loading;
      entry.version = snapshot.version;
      this.onBuilt(snapshot);
      return snapshot;
    } catch (error) {
      if (this.latest.get(storeId) === entry) this.latest.delete(storeId);
      throw error;
    }
  }

  /** Forgets a store's snapshot (the next request rebuilds it). */
  drop(storeId: string): void {
    this.latest.delete(storeId);
  }
}

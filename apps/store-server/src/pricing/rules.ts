import type pg from 'pg';
import type { StoredRule } from '../api/rules';
import { AppError } from '../errors';
import { checkRule, type EngineRule } from './engine';
import { type FieldProblem, validationFailed } from './field-errors';
import { PRICE_LIST_RULE_PREFIX } from './price-lists';
import type { EmitPricingEvent } from './pricing-change';

/** Pricing rules of a store: validated by the engine on write, stored as its JSON, announced as events. */

export interface CampaignWindow {
  startsAt: Date;
  endsAt: Date;
}

/**
 * What prices carts: a rule of a campaign is active only inside both its own window and
 * the campaign's. Null when the rule is disabled or the two windows never meet.
 */
export function effectiveRule(rule: EngineRule, enabled: boolean, campaign: CampaignWindow | null): EngineRule | null {
  if (!enabled) return null;
  if (!campaign) return rule;
  const from = Math.max(rule.validFrom ? Date.parse(rule.validFrom) : -Infinity, campaign.startsAt.getTime());
  const to = Math.min(rule.validTo ? Date.parse(rule.validTo) : Infinity, campaign.endsAt.getTime());
  if (!(to > from)) return null;
  return { ...rule, validFrom: new Date(from).toISOString(), validTo: new Date(to).toISOString() };
}

/** The rule as the engine accepts it, or the problems with it, each naming its field under `field`. */
export function checkRuleAt(id: string, json: Record<string, unknown>, field: string): EngineRule | FieldProblem[] {
  if (json.id !== undefined && json.id !== id) {
    return [{ field: `${field}.id`, problem: `must be "${id}" (the id in the path) or left out` }];
  }
  if (id.startsWith(PRICE_LIST_RULE_PREFIX)) {
    return [
      { field: `${field}.id`, problem: `must not start with "${PRICE_LIST_RULE_PREFIX}" (the rules of price lists)` },
    ];
  }
  const checked = checkRule({ ...json, id });
  if (checked.ok) return checked.rule;
  return checked.issues.map((issue) => ({
    field: issue.path ? `${field}.${issue.path}` : field,
    problem: issue.message,
  }));
}

interface RuleRow {
  id: string;
  rule: EngineRule;
  campaign_id: string | null;
  enabled: boolean;
  revision: number;
  created_at: Date;
  updated_at: Date;
  starts_at: Date | null;
  ends_at: Date | null;
}

const SELECT_RULES = `
  SELECT r.id, r.rule, r.campaign_id, r.enabled, r.revision, r.created_at, r.updated_at, c.starts_at, c.ends_at
  FROM pricing_rules r LEFT JOIN campaigns c ON c.store_id = r.store_id AND c.id = r.campaign_id`;

function toStoredRule(row: RuleRow): StoredRule {
  const window = row.starts_at && row.ends_at ? { startsAt: row.starts_at, endsAt: row.ends_at } : null;
  return {
    id: row.id,
    rule: row.rule,
    campaignId: row.campaign_id,
    enabled: row.enabled,
    effective: effectiveRule(row.rule, row.enabled, window),
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getRules(db: pg.Pool | pg.PoolClient, storeId: string, ids: string[]): Promise<StoredRule[]> {
  const { rows } = await db.query<RuleRow>(`${SELECT_RULES} WHERE r.store_id = $1 AND r.id = ANY($2::text[])`, [
    storeId,
    ids,
  ]);
  return rows.map(toStoredRule);
}

export async function getRule(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  id: string,
): Promise<StoredRule | undefined> {
  return (await getRules(db, storeId, [id]))[0];
}

export async function rulesOfCampaign(db: pg.Pool | pg.PoolClient, storeId: string, campaignId: string) {
  const { rows } = await db.query<RuleRow>(
    `${SELECT_RULES} WHERE r.store_id = $1 AND r.campaign_id = $2 ORDER BY r.id`,
    [storeId, campaignId],
  );
  return rows.map(toStoredRule);
}

export async function listRules(
  db: pg.Pool,
  storeId: string,
  query: { campaignId?: string; kind?: string; limit: number; cursor?: string },
): Promise<{ items: StoredRule[]; nextCursor: string | null }> {
  const params: unknown[] = [storeId];
  const where = ['r.store_id = $1'];
  if (query.campaignId) {
    params.push(query.campaignId);
    where.push(`r.campaign_id = $${params.length}`);
  }
  if (query.kind) {
    params.push(query.kind);
    where.push(`r.rule ->> 'kind' = $${params.length}`);
  }
  if (query.cursor) {
    params.push(query.cursor);
    where.push(`r.id > $${params.length}`);
  }
  params.push(query.limit + 1);
  const { rows } = await db.query<RuleRow>(
    `${SELECT_RULES} WHERE ${where.join(' AND ')} ORDER BY r.id LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(toStoredRule),
    nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

export interface RuleToWrite {
  rule: EngineRule;
  campaignId: string | null;
  enabled: boolean;
}

export interface RuleWriteOutcome {
  /** Rules created or changed, as stored now. */
  written: StoredRule[];
  created: string[];
  unchanged: number;
  deleted: Array<{ id: string; campaignId: string | null }>;
}

/**
 * Creates, replaces and deletes rules of a store in the caller's transaction (inside
 * `applyPricingChange`), announcing each real change. Rewriting a rule as it is changes nothing.
 */
export async function writeRules(
  client: pg.PoolClient,
  storeId: string,
  emit: EmitPricingEvent,
  upserts: RuleToWrite[],
  deletes: string[],
  fieldOf: (index: number) => string = (i) => `body.upsert.${i}`,
): Promise<RuleWriteOutcome> {
  const campaignIds = [...new Set(upserts.map((u) => u.campaignId).filter((c): c is string => c !== null))];
  if (campaignIds.length > 0) {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM campaigns WHERE store_id = $1 AND id = ANY($2::text[])',
      [storeId, campaignIds],
    );
    const known = new Set(rows.map((r) => r.id));
    const index = upserts.findIndex((u) => u.campaignId !== null && !known.has(u.campaignId));
    const missing = upserts[index];
    if (missing) {
      throw new AppError(404, 'NOT_FOUND', `Campaign ${missing.campaignId} was not found`, {
        fields: [{ field: `${fieldOf(index)}.campaignId`, problem: 'no such campaign in this store' }],
      });
    }
  }

  let changedIds: Array<{ id: string; inserted: boolean }> = [];
  if (upserts.length > 0) {
    const { rows } = await client.query<{ id: string; inserted: boolean }>(
      `INSERT INTO pricing_rules AS r (store_id, id, rule, campaign_id, enabled)
       SELECT $1, * FROM unnest($2::text[], $3::jsonb[], $4::text[], $5::boolean[])
       ON CONFLICT (store_id, id) DO UPDATE
         SET rule = EXCLUDED.rule, campaign_id = EXCLUDED.campaign_id, enabled = EXCLUDED.enabled,
             revision = r.revision + 1, updated_at = now()
         WHERE (r.rule, r.campaign_id, r.enabled) IS DISTINCT FROM (EXCLUDED.rule, EXCLUDED.campaign_id, EXCLUDED.enabled)
       RETURNING id, (xmax = 0) AS inserted`,
      [
        storeId,
        upserts.map((u) => u.rule.id),
        upserts.map((u) => JSON.stringify(u.rule)),
        upserts.map((u) => u.campaignId),
        upserts.map((u) => u.enabled),
      ],
    );
    changedIds = rows;
  }
  const written =
    changedIds.length > 0
      ? await getRules(
          client,
          storeId,
          changedIds.map((r) => r.id),
        )
      : [];
  written.sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const rule of written) emit(storeId, 'rule.upserted', { rule });

  let deleted: Array<{ id: string; campaignId: string | null }> = [];
  if (deletes.length > 0) {
    const { rows } = await client.query<{ id: string; campaign_id: string | null }>(
      'DELETE FROM pricing_rules WHERE store_id = $1 AND id = ANY($2::text[]) RETURNING id, campaign_id',
      [storeId, deletes],
    );
    deleted = rows.map((r) => ({ id: r.id, campaignId: r.campaign_id }));
    for (const d of deleted) emit(storeId, 'rule.deleted', { id: d.id, campaignId: d.campaignId });
  }
  return {
    written,
    created: changedIds.filter((r) => r.inserted).map((r) => r.id),
    unchanged: upserts.length - changedIds.length,
    deleted,
  };
}

/**
 * Checks every rule of a write before anything is stored; throws one 400 naming every bad
 * field. `ruleFieldOf(i)` is where the i-th rule's JSON sits in the request (`body.rule`,
 * `body.upsert.3.rule`, `body.rules.3`).
 */
export function checkRuleWrites(
  writes: Array<{ id: string; rule: Record<string, unknown>; campaignId?: string | null; enabled?: boolean }>,
  ruleFieldOf: (index: number) => string,
): RuleToWrite[] {
  const problems: FieldProblem[] = [];
  const out: RuleToWrite[] = [];
  const seen = new Map<string, number>();
  writes.forEach((w, i) => {
    const earlier = seen.get(w.id);
    if (earlier !== undefined) {
      problems.push({ field: `${ruleFieldOf(i)}.id`, problem: `"${w.id}" is also at ${ruleFieldOf(earlier)}` });
      return;
    }
    seen.set(w.id, i);
    const checked = checkRuleAt(w.id, w.rule, ruleFieldOf(i));
    if (Array.isArray(checked)) problems.push(...checked);
    else out.push({ rule: checked, campaignId: w.campaignId ?? null, enabled: w.enabled ?? true });
  });
  if (problems.length > 0) throw validationFailed(problems);
  return out;
}

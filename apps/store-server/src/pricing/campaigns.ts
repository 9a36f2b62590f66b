import type pg from 'pg';
import type { Campaign } from '../api/campaigns';
import type { StoredRule } from '../api/rules';
import { AppError, notFound } from '../errors';
import type { EmitPricingEvent } from './pricing-change';
import { type RuleToWrite, rulesOfCampaign, writeRules } from './rules';

/**
 * Campaigns: named groups of rules with one window (a flash sale). Starting and stopping
 * is the window alone, so nothing has to happen at that moment: every rule of the campaign
 * carries the window in its effective form, and terminals switch on their own.
 */

interface CampaignRow {
  id: string;
  name: string;
  description: string;
  starts_at: Date;
  ends_at: Date;
  revision: number;
  created_at: Date;
  updated_at: Date;
  rule_ids: string[];
}

const SELECT_CAMPAIGNS = `
  SELECT c.id, c.name, c.description, c.starts_at, c.ends_at, c.revision, c.created_at, c.updated_at,
         coalesce((SELECT array_agg(r.id ORDER BY r.id) FROM pricing_rules r
                   WHERE r.store_id = c.store_id AND r.campaign_id = c.id), '{}') AS rule_ids
  FROM campaigns c`;

export function campaignStatus(window: { startsAt: Date; endsAt: Date }, now: number): Campaign['status'] {
  if (now < window.startsAt.getTime()) return 'scheduled';
  return now < window.endsAt.getTime() ? 'running' : 'ended';
}

function toCampaign(row: CampaignRow, now: number): Campaign {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    status: campaignStatus({ startsAt: row.starts_at, endsAt: row.ends_at }, now),
    ruleIds: row.rule_ids,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function listCampaigns(
  db: pg.Pool,
  storeId: string,
  status: Campaign['status'] | undefined,
  now = Date.now(),
): Promise<Campaign[]> {
  const { rows } = await db.query<CampaignRow>(
    `${SELECT_CAMPAIGNS} WHERE c.store_id = $1 ORDER BY c.starts_at DESC, c.id`,
    [storeId],
  );
  return rows.map((r) => toCampaign(r, now)).filter((c) => !status || c.status === status);
}

export async function getCampaign(
  db: pg.Pool | pg.PoolClient,
  storeId: string,
  id: string,
  now = Date.now(),
): Promise<(Campaign & { rules: StoredRule[] }) | undefined> {
  const { rows } = await db.query<CampaignRow>(`${SELECT_CAMPAIGNS} WHERE c.store_id = $1 AND c.id = $2`, [
    storeId,
    id,
  ]);
  const row = rows[0];
  if (!row) return undefined;
  return { ...toCampaign(row, now), rules: await rulesOfCampaign(db, storeId, id) };
}

export interface CampaignFields {
  name: string;
  description: string;
  startsAt: Date;
  endsAt: Date;
}

/**
 * Creates or replaces a campaign and, when `rules` is given, makes them exactly its rules.
 * When its window moves, every one of its rules is announced again with its new effective window.
 */
export async function putCampaign(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  fields: CampaignFields,
  rules: RuleToWrite[] | undefined,
  emit: EmitPricingEvent,
): Promise<{ created: boolean }> {
  const before = await client.query<{ starts_at: Date; ends_at: Date }>(
    'SELECT starts_at, ends_at FROM campaigns WHERE store_id = $1 AND id = $2',
    [storeId, id],
  );
  const old = before.rows[0];
  const upserted = await client.query(
    `INSERT INTO campaigns AS c (store_id, id, name, description, starts_at, ends_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (store_id, id) DO UPDATE
       SET name = EXCLUDED.name, description = EXCLUDED.description, starts_at = EXCLUDED.starts_at,
           ends_at = EXCLUDED.ends_at, revision = c.revision + 1, updated_at = now()
       WHERE (c.name, c.description, c.starts_at, c.ends_at)
             IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.starts_at, EXCLUDED.ends_at)
     RETURNING id`,
    [storeId, id, fields.name, fields.description, fields.startsAt, fields.endsAt],
  );
  let changed = (upserted.rowCount ?? 0) > 0;
  const announced = new Set<string>();
  if (rules) {
    const keep = new Set(rules.map((r) => r.rule.id));
    const current = await rulesOfCampaign(client, storeId, id);
    const outcome = await writeRules(
      client,
      storeId,
      emit,
      rules.map((r) => ({ ...r, campaignId: id })),
      current.filter((r) => !keep.has(r.id)).map((r) => r.id),
      (i) => `body.rules.${i}`,
    );
    for (const r of outcome.written) announced.add(r.id);
    changed ||= outcome.written.length > 0 || outcome.deleted.length > 0;
  }
  const windowMoved =
    old !== undefined &&
    (old.starts_at.getTime() !== fields.startsAt.getTime() || old.ends_at.getTime() !== fields.endsAt.getTime());
  if (windowMoved) {
    for (const rule of await rulesOfCampaign(client, storeId, id)) {
      if (!announced.has(rule.id)) emit(storeId, 'rule.upserted', { rule });
    }
  }
  if (changed) await announceCampaign(client, storeId, id, emit);
  return { created: old === undefined };
}

async function announceCampaign(client: pg.PoolClient, storeId: string, id: string, emit: EmitPricingEvent) {
  const campaign = await getCampaign(client, storeId, id);
  if (!campaign) throw new Error(`campaign ${id} vanished during its write`);
  const { rules, ...fields } = campaign;
  emit(storeId, 'campaign.upserted', { campaign: fields, rules });
}

/** Stops a running campaign now; an ended one stays as it is; a scheduled one is refused. */
export async function endCampaign(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  now: Date,
  emit: EmitPricingEvent,
): Promise<void> {
  const current = await getCampaign(client, storeId, id, now.getTime());
  if (!current) throw notFound(`Campaign ${id}`, { id });
  if (current.status === 'ended') return;
  if (current.status === 'scheduled') {
    throw new AppError(409, 'CAMPAIGN_NOT_STARTED', `Campaign ${id} has not started yet; delete it or move its start`, {
      id,
      startsAt: current.startsAt,
    });
  }
  await putCampaign(
    client,
    storeId,
    id,
    { name: current.name, description: current.description, startsAt: new Date(current.startsAt), endsAt: now },
    undefined,
    emit,
  );
}

export async function deleteCampaign(
  client: pg.PoolClient,
  storeId: string,
  id: string,
  emit: EmitPricingEvent,
): Promise<string[]> {
  const current = await getCampaign(client, storeId, id);
  if (!current) throw notFound(`Campaign ${id}`, { id });
  const outcome = await writeRules(client, storeId, emit, [], current.ruleIds);
  await client.query('DELETE FROM campaigns WHERE store_id = $1 AND id = $2', [storeId, id]);
  const ruleIds = outcome.deleted.map((d) => d.id);
  emit(storeId, 'campaign.deleted', { id, ruleIds });
  return ruleIds;
}

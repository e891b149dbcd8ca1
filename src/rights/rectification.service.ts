import { DataSource, EntityManager } from 'typeorm';
import { GatewayError } from '../errors';
import { Stores } from '../stores/open-stores';
import { assertOpenRequest, completeAfterOperation, onGateway } from './requests.service';
import { rowsChanged } from './retention-sweep-run';
import { checkValue, fieldSpec, onStore, RECORD_ID, RECTIFIABLE, recordFor } from './rectification-fields';
import { getRectification, listRectifications, RectificationRecipientView, RectificationView } from './rectification-views';

/**
 * Rectification (PDPA s.35, GDPR Art.16 and 19; SNS Helper: "data under correction is neither
 * used nor provided until corrected").
 *
 * requestRectification appends a rectification_events 'request' for the category, so decide()
 * denies it to every purpose (RECTIFICATION_PENDING) from the next request on, and records which
 * field of which record is to be corrected. The corrected value is personal data: it is kept in
 * rectification_values only until the correction is resolved (then that row is deleted), never
 * returned by the API, never logged, never put in an error message.
 *
 * resolveRectification writes the value to the store, appends 'resolve' (when no other correction
 * of the same category of the customer is still pending: the decision state knows categories, not
 * fields, so the category stays blocked until its last correction is resolved), and returns the
 * callers that read the category before the correction was requested (access log: ALLOW or MASK,
 * explanations excepted), so they can be told (GDPR Art.19). The access log records decisions per
 * customer and category, not per record, so a caller that read another email address of the same
 * customer is listed too: over-telling is the safe side. The record keeps its `collected_at`: a
 * correction fixes a value, it does not extend how long the record is kept.
 */
export { RECTIFIABLE } from './rectification-fields';
export { listRectifications } from './rectification-views';
export type { RectificationRecipientView, RectificationStatus, RectificationView } from './rectification-views';

export interface RectificationDeps {
  stores: Stores;
  callerId: string;
  now: Date;
}

export async function requestRectification(
  deps: RectificationDeps,
  input: { customerId: string; category: string; field: string; correctedValue: string; recordId: string | null; requestId: string | null },
): Promise<RectificationView> {
  const { stores, callerId, now } = deps;
  const spec = fieldSpec(input.category, input.field);
  const value = checkValue(spec, input.field, input.correctedValue, now);
  const erased: unknown[] = await onGateway('erasures', () => stores.gateway.query('SELECT 1 FROM erasures WHERE customer_id = $1 LIMIT 1', [input.customerId]));
  if (erased.length) throw new GatewayError('BAD_USER_INPUT', 'The customer was erased: there is nothing to correct');
  const recordId = await recordFor(stores, spec, input.customerId, input.recordId);
  if (input.requestId !== null) await assertOpenRequest(stores.gateway, input.requestId, { customerId: input.customerId, kind: 'rectification' }, now);
  return onGateway('rectifications', () => stores.gateway.transaction(async (m) => {
    const [event] = await m.query(
      `INSERT INTO rectification_events (customer_id, category, action, recorded_by) VALUES ($1, $2, 'request', $3) RETURNING id::text`,
      [input.customerId, input.category, callerId]);
    const [{ id }] = await m.query(
      `INSERT INTO rectification_requests (customer_id, category, field, store, table_name, record_id, request_id, event_id, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`,
      [input.customerId, input.category, input.field, spec.store, spec.table, recordId, input.requestId, event.id, callerId]);
    await m.query('INSERT INTO rectification_values (rectification_id, corrected_value) VALUES ($1, $2)', [id, value]);
    return (await getRectification(m, id))!;
  }));
}

/** Callers that were served the category (ALLOW or MASK) before `before`, from the access log. */
async function readersBefore(ds: DataSource, customerId: string, category: string, before: Date): Promise<RectificationRecipientView[]> {
  const rows: { caller: string; purpose: string | null; first_read_at: Date; last_read_at: Date; reads: number }[] = await ds.query(
    `SELECT caller, purpose, min(at) AS first_read_at, max(at) AS last_read_at, count(*)::int AS reads
     FROM access_log_entries
     WHERE customer_id = $1 AND category = $2 AND effect IN ('ALLOW', 'MASK') AND type_name <> 'Explain' AND at < $3
     GROUP BY caller, purpose ORDER BY caller, purpose`,
    [customerId, category, before]);
  return rows.map((r) => ({ caller: r.caller, purpose: r.purpose, firstReadAt: r.first_read_at, lastReadAt: r.last_read_at, reads: r.reads }));
}

/** A transaction-scoped lock on one customer's category: resolutions of the same category serialise. */
const lockCategory = (m: EntityManager, customerId: string, category: string) =>
  m.query(`SELECT pg_advisory_xact_lock(hashtext('rectification'), hashtext($1))`, [`${customerId}|${category}`]);

export async function resolveRectification(deps: RectificationDeps, id: string): Promise<RectificationView> {
  const { stores, callerId, now } = deps;
  if (!RECORD_ID.test(id)) throw new GatewayError('BAD_USER_INPUT', 'id is not a rectification id');
  const current = await onGateway('rectifications', () => getRectification(stores.gateway, id));
  if (!current) throw new GatewayError('NOT_FOUND', 'No rectification with this id', { id });
  if (current.status !== 'pending') throw new GatewayError('BAD_USER_INPUT', `The rectification is already ${current.status}`, { id, status: current.status });
  const spec = RECTIFIABLE[current.category][current.field];
  const valueRows: { corrected_value: string | null }[] = await onGateway('rectifications', () =>
    stores.gateway.query('SELECT corrected_value FROM rectification_values WHERE rectification_id = $1', [id]));
  if (!valueRows.length) throw new GatewayError('BAD_USER_INPUT', `The rectification is already resolved`, { id });

  // 1. The store: a retry after a failure below writes the same value again.
  const cast = spec.format === 'date' ? '::date' : '';
  const where = spec.table === 'customers' ? 'id = $2' : 'id = $2 AND customer_id = $3';
  const params = spec.table === 'customers' ? [valueRows[0].corrected_value, current.customerId] : [valueRows[0].corrected_value, current.recordId, current.customerId];
  const updated = await onStore(spec.store === 'crm' ? 'CRM' : 'billing', () =>
    rowsChanged(stores[spec.store], `UPDATE ${spec.table} SET ${spec.column} = $1${cast} WHERE ${where}`, params));

  // 2. Who read the old value, then the gateway's record, in one transaction.
  const recipients = await onGateway('access log', () => readersBefore(stores.gateway, current.customerId, current.category, current.requestedAt));
  const resolved = await onGateway('rectifications', async () => {
    try {
      return await stores.gateway.transaction(async (m) => {
        await lockCategory(m, current.customerId, current.category);
        const [{ others }] = await m.query(
          `SELECT count(*)::int AS others FROM rectification_requests r
           WHERE r.customer_id = $1 AND r.category = $2 AND r.id <> $3 AND NOT EXISTS (SELECT 1 FROM rectification_resolutions s WHERE s.rectification_id = r.id)`,
          [current.customerId, current.category, id]);
        let eventId: string | null = null;
        if (others === 0) {
          [{ id: eventId }] = await m.query(
            `INSERT INTO rectification_events (customer_id, category, action, recorded_by) VALUES ($1, $2, 'resolve', $3) RETURNING id::text`,
            [current.customerId, current.category, callerId]);
        }
        await m.query(
          `INSERT INTO rectification_resolutions (rectification_id, outcome, rows_updated, recipients, event_id, resolved_by) VALUES ($1, 'corrected', $2, $3::jsonb, $4, $5)`,
          [id, updated, JSON.stringify(recipients), eventId, callerId]);
        await m.query('DELETE FROM rectification_values WHERE rectification_id = $1', [id]);
        return (await getRectification(m, id))!;
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new GatewayError('BAD_USER_INPUT', 'The rectification is already resolved', { id });
      throw err;
    }
  });

  // 3. The request, once its last correction is resolved.
  if (resolved.requestId !== null) {
    const all = (await listRectifications(stores.gateway, resolved.customerId)).filter((r) => r.requestId === resolved.requestId);
    if (all.every((r) => r.status !== 'pending')) {
      await onGateway('rights requests', () => completeAfterOperation(stores.gateway, resolved.requestId!, describeCorrections(all), callerId, { rectifications: all.map((r) => r.id) }, now));
    }
  }
  return resolved;
}

/** The outcome of a rectification request: what was corrected and whom to tell. */
export function describeCorrections(all: readonly RectificationView[]): string {
  const corrected = all.filter((r) => r.status === 'corrected').map((r) => `${r.category} ${r.field} (rectification ${r.id})`);
  const callers = new Map<string, Set<string>>();
  for (const r of all) for (const x of r.recipients) {
    if (!callers.has(x.caller)) callers.set(x.caller, new Set());
    if (x.purpose) callers.get(x.caller)!.add(x.purpose);
  }
  const tell = [...callers.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([c, ps]) => `${c} (${[...ps].sort().join(', ')})`);
  return `Corrected: ${corrected.join(', ') || 'nothing'}. ${tell.length ? `Callers that read the old values, to be told (GDPR Art.19): ${tell.join(', ')}.` : 'No caller had read the old values.'}`;
}

/**
 * Erasure: corrections still pending are discarded; their values are deleted, and the category
 * is released ('resolve'), since there is nothing left to correct. Returns counts per category.
 */
export async function discardPendingRectifications(ds: DataSource, customerId: string, by: string): Promise<Map<string, number>> {
  return ds.transaction(async (m) => {
    const pending: { id: string; category: string }[] = await m.query(
      `SELECT r.id::text, r.category FROM rectification_requests r
       WHERE r.customer_id = $1 AND NOT EXISTS (SELECT 1 FROM rectification_resolutions s WHERE s.rectification_id = r.id) ORDER BY r.id`, [customerId]);
    const out = new Map<string, number>();
    for (const category of [...new Set(pending.map((p) => p.category))]) {
      await lockCategory(m, customerId, category);
      const [{ id: eventId }] = await m.query(
        `INSERT INTO rectification_events (customer_id, category, action, recorded_by) VALUES ($1, $2, 'resolve', $3) RETURNING id::text`, [customerId, category, by]);
      for (const p of pending.filter((x) => x.category === category)) {
        await m.query(
          `INSERT INTO rectification_resolutions (rectification_id, outcome, rows_updated, event_id, resolved_by) VALUES ($1, 'discarded_by_erasure', 0, $2, $3)`, [p.id, eventId, by]);
        const deleted = await rowsChanged(m, 'DELETE FROM rectification_values WHERE rectification_id = $1', [p.id]);
        out.set(category, (out.get(category) ?? 0) + deleted);
      }
    }
    return out;
  });
}

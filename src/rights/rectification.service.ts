import { DataSource, EntityManager } from 'typeorm';
import { GatewayError } from '../errors';
import { isKnownCategory } from '../policy/taxonomy';
import { Stores } from '../stores/open-stores';
import { assertOpenRequest, completeAfterOperation, onGateway } from './requests.service';
import { rowsChanged } from './retention-sweep';

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
interface FieldSpec {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly column: string;
  readonly nullable?: boolean;
  readonly format?: 'email' | 'phone' | 'date';
}

/** The whitelist: category -> GraphQL field name -> store column. Anything else is refused. */
export const RECTIFIABLE: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> = {
  'identity.name': {
    firstName: { store: 'crm', table: 'customers', column: 'first_name' },
    middleName: { store: 'crm', table: 'customers', column: 'middle_name', nullable: true },
    lastName: { store: 'crm', table: 'customers', column: 'last_name' },
    alias: { store: 'crm', table: 'customers', column: 'alias', nullable: true },
  },
  'identity.date_of_birth': {
    dateOfBirth: { store: 'crm', table: 'customers', column: 'date_of_birth', format: 'date' },
  },
  'contact.email': {
    address: { store: 'crm', table: 'emails', column: 'address', format: 'email' },
  },
  'contact.phone': {
    number: { store: 'crm', table: 'phones', column: 'number', format: 'phone' },
  },
  'contact.address': {
    line1: { store: 'crm', table: 'postal_addresses', column: 'line1' },
    line2: { store: 'crm', table: 'postal_addresses', column: 'line2', nullable: true },
    city: { store: 'crm', table: 'postal_addresses', column: 'city' },
    postcode: { store: 'crm', table: 'postal_addresses', column: 'postcode' },
    country: { store: 'crm', table: 'postal_addresses', column: 'country' },
  },
  'financial.bank_account': {
    bankName: { store: 'billing', table: 'bank_accounts', column: 'bank_name' },
    accountHolder: { store: 'billing', table: 'bank_accounts', column: 'account_holder' },
    accountNumber: { store: 'billing', table: 'bank_accounts', column: 'account_number' },
  },
};

export type RectificationStatus = 'pending' | 'corrected' | 'discarded_by_erasure';

export interface RectificationRecipientView {
  caller: string;
  purpose: string | null;
  firstReadAt: Date;
  lastReadAt: Date;
  /** Access-log entries (one per request that read the category). */
  reads: number;
}

export interface RectificationView {
  id: string;
  customerId: string;
  category: string;
  field: string;
  recordId: string;
  requestId: string | null;
  status: RectificationStatus;
  requestedAt: Date;
  requestedBy: string;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  rowsUpdated: number | null;
  recipients: RectificationRecipientView[];
}

const RECORD_ID = /^[1-9][0-9]{0,17}$/;
const MAX_VALUE = 500;

function fieldSpec(category: string, field: string): FieldSpec {
  if (!isKnownCategory(category)) throw new GatewayError('BAD_USER_INPUT', 'category is not in the taxonomy', { category });
  const fields = RECTIFIABLE[category];
  if (!fields) throw new GatewayError('BAD_USER_INPUT', 'This category cannot be corrected through the gateway', { category, supported: Object.keys(RECTIFIABLE) });
  const spec = fields[field];
  if (!spec) throw new GatewayError('BAD_USER_INPUT', 'This field cannot be corrected through the gateway', { category, field, supported: Object.keys(fields) });
  return spec;
}

/** The value to store (null clears a nullable column); messages never repeat the value. */
function checkValue(spec: FieldSpec, field: string, raw: string, now: Date): string | null {
  const v = raw.trim();
  if (v.length > MAX_VALUE) throw new GatewayError('BAD_USER_INPUT', `correctedValue is longer than ${MAX_VALUE} characters`, { field });
  if (!v) {
    if (spec.nullable) return null;
    throw new GatewayError('BAD_USER_INPUT', 'correctedValue must not be empty for this field', { field });
  }
  if (spec.format === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw new GatewayError('BAD_USER_INPUT', 'correctedValue is not an email address', { field });
  if (spec.format === 'phone' && !/^\+?[0-9][0-9 ()-]{2,30}$/.test(v)) throw new GatewayError('BAD_USER_INPUT', 'correctedValue is not a phone number', { field });
  if (spec.format === 'date') {
    const d = new Date(`${v}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v || d > now) {
      throw new GatewayError('BAD_USER_INPUT', 'correctedValue is not a past date YYYY-MM-DD', { field });
    }
  }
  return v;
}

async function onStore<T>(store: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('STORE_UNAVAILABLE', `The ${store} store is unavailable`);
  }
}

/** The record to correct: the customer row itself, or the one record of the table (or the one named). */
async function recordFor(stores: Stores, spec: FieldSpec, customerId: string, recordId: string | null): Promise<string> {
  if (spec.table === 'customers') {
    if (recordId !== null && recordId !== customerId) throw new GatewayError('BAD_USER_INPUT', 'recordId of an identity field is the customer id', { recordId });
    return customerId;
  }
  if (recordId !== null && !RECORD_ID.test(recordId)) throw new GatewayError('BAD_USER_INPUT', 'recordId is not a record id');
  const rows: { id: string }[] = await onStore(spec.store === 'crm' ? 'CRM' : 'billing', () => stores[spec.store].query(
    `SELECT id::text FROM ${spec.table} WHERE customer_id = $1${recordId !== null ? ' AND id = $2' : ''} ORDER BY id LIMIT 2`,
    recordId !== null ? [customerId, recordId] : [customerId]));
  if (recordId !== null) {
    if (!rows.length) throw new GatewayError('NOT_FOUND', 'The customer has no record of this category with this id', { recordId });
    return recordId;
  }
  if (!rows.length) throw new GatewayError('NOT_FOUND', 'The customer has no record of this category');
  if (rows.length > 1) throw new GatewayError('BAD_USER_INPUT', 'The customer has several records of this category: name one with recordId');
  return rows[0].id;
}

interface Row {
  id: string;
  customer_id: string;
  category: string;
  field: string;
  record_id: string;
  request_id: string | null;
  requested_at: Date;
  requested_by: string;
  outcome: 'corrected' | 'discarded_by_erasure' | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  rows_updated: number | null;
  recipients: { caller: string; purpose: string | null; firstReadAt: string; lastReadAt: string; reads: number }[] | null;
}

const SELECT = `SELECT r.id::text, r.customer_id, r.category, r.field, r.record_id, r.request_id::text, r.requested_at, r.requested_by,
  s.outcome, s.resolved_at, s.resolved_by, s.rows_updated, s.recipients
  FROM rectification_requests r LEFT JOIN rectification_resolutions s ON s.rectification_id = r.id`;

function view(r: Row): RectificationView {
  return {
    id: r.id, customerId: r.customer_id, category: r.category, field: r.field, recordId: r.record_id, requestId: r.request_id,
    status: r.outcome ?? 'pending', requestedAt: r.requested_at, requestedBy: r.requested_by, resolvedAt: r.resolved_at, resolvedBy: r.resolved_by,
    rowsUpdated: r.rows_updated,
    recipients: (r.recipients ?? []).map((x) => ({ ...x, firstReadAt: new Date(x.firstReadAt), lastReadAt: new Date(x.lastReadAt) })),
  };
}

async function getRectification(ds: DataSource | EntityManager, id: string): Promise<RectificationView | null> {
  const rows: Row[] = await ds.query(`${SELECT} WHERE r.id = $1`, [id]);
  return rows.length ? view(rows[0]) : null;
}

export async function listRectifications(ds: DataSource, customerId: string): Promise<RectificationView[]> {
  return onGateway('rectifications', async () => ((await ds.query(`${SELECT} WHERE r.customer_id = $1 ORDER BY r.id`, [customerId])) as Row[]).map(view));
}

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
     FROM access_log
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

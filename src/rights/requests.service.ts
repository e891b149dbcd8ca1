import { DataSource, EntityManager } from 'typeorm';
import { GatewayError } from '../errors';
import { periodEnd } from '../policy/duration';
import { PolicyPack } from '../policy/pack.types';
import { INPUT_LIMITS, jsonProblem } from '../graphql/input-limits';

/**
 * Data-subject rights requests (access, rectification, erasure, restriction, objection,
 * portability): recorded when received, with the due time from the pack's
 * `rights.response_deadline` (P30D under PDPA s.30; P1M in the Soft SQ pack), and closed once,
 * completed with an outcome or refused with a reason (PDPA s.30 asks that refusals and their
 * reasons be recorded).
 *
 * Status changes are EVENTS, not updates: rights_requests holds the request as received and is
 * never changed; rights_request_events gets one row when the request is closed (UNIQUE per
 * request, so two DPOs closing it at once cannot both succeed); the view rights_request_status
 * gives the current status. Both tables refuse UPDATE and DELETE (trigger), so who received,
 * completed or refused what, when and why, is never lost. A request may be recorded for any
 * right, granted by the pack or not: a refusal is still an answer that must be on record.
 */
export const RIGHTS_REQUEST_KINDS = ['access', 'rectification', 'erasure', 'restriction', 'objection', 'portability'] as const;
export type RightsRequestKind = (typeof RIGHTS_REQUEST_KINDS)[number];
export type RightsRequestStatus = 'open' | 'completed' | 'refused';

export interface RightsRequestView {
  id: string;
  customerId: string;
  kind: RightsRequestKind;
  receivedAt: Date;
  dueAt: Date;
  /** The pack deadline applied (ISO 8601 duration). */
  deadline: string;
  status: RightsRequestStatus;
  /** Open and past its due time. */
  overdue: boolean;
  outcome: string | null;
  refusalReason: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  recordedAt: Date;
  recordedBy: string;
  details: Record<string, unknown>;
}

const REQUEST_ID = /^[1-9][0-9]{0,17}$/;
/** The same maxima the GraphQL edge applies first (src/graphql/input-limits.ts). */
const MAX_TEXT = INPUT_LIMITS.freeText;

interface StatusRow {
  id: string;
  customer_id: string;
  kind: RightsRequestKind;
  received_at: Date;
  due_at: Date;
  deadline: string;
  status: RightsRequestStatus;
  outcome: string | null;
  refusal_reason: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  recorded_at: Date;
  recorded_by: string;
  details: Record<string, unknown>;
}

const SELECT = `SELECT id::text, customer_id, kind, received_at, due_at, deadline, status, outcome, refusal_reason, resolved_at, resolved_by, recorded_at, recorded_by, details FROM rights_request_status`;

function view(r: StatusRow, now: Date): RightsRequestView {
  return {
    id: r.id, customerId: r.customer_id, kind: r.kind, receivedAt: r.received_at, dueAt: r.due_at, deadline: r.deadline,
    status: r.status, overdue: r.status === 'open' && r.due_at < now, outcome: r.outcome, refusalReason: r.refusal_reason,
    resolvedAt: r.resolved_at, resolvedBy: r.resolved_by, recordedAt: r.recorded_at, recordedBy: r.recorded_by, details: r.details,
  };
}

/** Runs a gateway-store operation; anything but a GatewayError becomes STORE_UNAVAILABLE. */
export async function onGateway<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('STORE_UNAVAILABLE', `The gateway store is unavailable: ${what}`);
  }
}

export function checkRequestId(id: string, arg = 'id'): string {
  if (!REQUEST_ID.test(id)) throw new GatewayError('BAD_USER_INPUT', `${arg} is not a rights request id`);
  return id;
}

function requiredText(value: string, arg: string): string {
  const v = value.trim();
  if (!v) throw new GatewayError('BAD_USER_INPUT', `${arg} must not be empty`);
  if (v.length > MAX_TEXT) throw new GatewayError('BAD_USER_INPUT', `${arg} is longer than ${MAX_TEXT} characters`);
  return v;
}

export async function recordRightsRequest(
  ds: DataSource, pack: PolicyPack,
  input: { customerId: string; kind: RightsRequestKind; details: Record<string, unknown> | null; receivedAt: Date | null; recordedBy: string; now: Date },
): Promise<RightsRequestView> {
  const receivedAt = input.receivedAt ?? input.now;
  if (receivedAt > input.now) throw new GatewayError('BAD_USER_INPUT', 'receivedAt must not be in the future');
  const details = input.details ?? {};
  // Depth first, without recursion: JSON.stringify of a deeply nested object overflows the stack.
  const problem = jsonProblem(details);
  if (problem) throw new GatewayError('BAD_USER_INPUT', `details ${problem.why}`, problem.extra);
  const deadline = pack.rights.responseDeadline;
  const dueAt = periodEnd(receivedAt, deadline);
  return onGateway('rights requests', async () => {
    const [{ id }] = await ds.query(
      `INSERT INTO rights_requests (customer_id, kind, received_at, due_at, deadline, policy_hash, details, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) RETURNING id::text`,
      [input.customerId, input.kind, receivedAt, dueAt, deadline.iso, pack.hash, JSON.stringify(details), input.recordedBy],
    );
    return (await getRightsRequest(ds, id, input.now))!;
  });
}

export async function getRightsRequest(ds: DataSource | EntityManager, id: string, now: Date): Promise<RightsRequestView | null> {
  const rows: StatusRow[] = await ds.query(`${SELECT} WHERE id = $1`, [id]);
  return rows.length ? view(rows[0], now) : null;
}

/** Open, overdue (open and past due) or all requests, optionally of one customer, by due time. */
export async function listRightsRequests(ds: DataSource, filter: { status: 'open' | 'overdue' | 'all'; customerId: string | null; now: Date }): Promise<RightsRequestView[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status !== 'all') where.push(`status = 'open'`);
  if (filter.status === 'overdue') where.push(`due_at < $${params.push(filter.now)}`);
  if (filter.customerId !== null) where.push(`customer_id = $${params.push(filter.customerId)}`);
  return onGateway('rights requests', async () => {
    const rows: StatusRow[] = await ds.query(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY due_at, id`, params);
    return rows.map((r) => view(r, filter.now));
  });
}

/**
 * Checks that a request exists, is open, and is of this customer and kind: the rights operations
 * that carry a requestId check it before they change anything.
 */
export async function assertOpenRequest(ds: DataSource, id: string, expect: { customerId: string; kind: RightsRequestKind }, now: Date): Promise<RightsRequestView> {
  checkRequestId(id, 'requestId');
  const r = await onGateway('rights requests', () => getRightsRequest(ds, id, now));
  if (!r) throw new GatewayError('NOT_FOUND', 'No rights request with this id', { requestId: id });
  if (r.customerId !== expect.customerId) throw new GatewayError('BAD_USER_INPUT', 'The rights request is for another customer', { requestId: id });
  if (r.kind !== expect.kind) throw new GatewayError('BAD_USER_INPUT', `The rights request is not a ${expect.kind} request`, { requestId: id, kind: r.kind });
  if (r.status !== 'open') throw new GatewayError('BAD_USER_INPUT', `The rights request is already ${r.status}`, { requestId: id, status: r.status });
  return r;
}

async function close(
  ds: DataSource, id: string, action: 'completed' | 'refused', text: string, by: string, details: Record<string, unknown>, now: Date,
): Promise<RightsRequestView> {
  return onGateway('rights requests', async () => {
    const current = await getRightsRequest(ds, id, now);
    if (!current) throw new GatewayError('NOT_FOUND', 'No rights request with this id', { requestId: id });
    if (current.status !== 'open') throw new GatewayError('BAD_USER_INPUT', `The rights request is already ${current.status}`, { requestId: id, status: current.status });
    try {
      await ds.query(
        `INSERT INTO rights_request_events (request_id, action, outcome, refusal_reason, details, recorded_by) VALUES ($1, $2, $3, $4, $5::jsonb, $6)`,
        [id, action, action === 'completed' ? text : null, action === 'refused' ? text : null, JSON.stringify(details), by],
      );
    } catch (err) {
      // Closed by someone else between the read and the insert (rights_request_events_one_outcome).
      if ((err as { code?: string }).code === '23505') {
        const closed = (await getRightsRequest(ds, id, now))!;
        throw new GatewayError('BAD_USER_INPUT', `The rights request is already ${closed.status}`, { requestId: id, status: closed.status });
      }
      throw err;
    }
    return (await getRightsRequest(ds, id, now))!;
  });
}

export function completeRightsRequest(ds: DataSource, id: string, outcome: string, by: string, now: Date, details: Record<string, unknown> = {}): Promise<RightsRequestView> {
  checkRequestId(id);
  return close(ds, id, 'completed', requiredText(outcome, 'outcome'), by, details, now);
}

export function refuseRightsRequest(ds: DataSource, id: string, reason: string, by: string, now: Date): Promise<RightsRequestView> {
  checkRequestId(id);
  return close(ds, id, 'refused', requiredText(reason, 'reason'), by, {}, now);
}

/**
 * Completes a request after the operation it asked for was carried out (an erasure, the last of
 * its corrections). The operation is done whatever happens here: if another DPO closed the
 * request meanwhile, that outcome stands and this one is not recorded.
 */
export async function completeAfterOperation(ds: DataSource, id: string, outcome: string, by: string, details: Record<string, unknown>, now: Date): Promise<void> {
  try {
    await completeRightsRequest(ds, id, outcome, by, now, details);
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'BAD_USER_INPUT') return;
    throw err;
  }
}

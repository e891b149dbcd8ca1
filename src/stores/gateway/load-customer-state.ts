import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { countStatement } from '../sql-counter';
import { CustomerState, foldCustomerState, StateEvent } from '../../policy/customer-state';

/**
 * Reads the consent, objection, restriction, rectification and erasure histories of many
 * customers in ONE statement and folds them into decision state. Called once per request with
 * every customer the request touches. Any failure propagates: the caller fails closed.
 */
const SQL = `
  SELECT 'consent' AS kind, customer_id, id, recorded_at, purpose, action, given_by, explicit, expires_at, NULL AS category FROM consent_events WHERE customer_id = ANY($1)
  UNION ALL SELECT 'objection', customer_id, id, recorded_at, purpose, action, NULL, NULL, NULL, category FROM objection_events WHERE customer_id = ANY($1)
  UNION ALL SELECT 'restriction', customer_id, id, recorded_at, purpose, action, NULL, NULL, NULL, category FROM restriction_events WHERE customer_id = ANY($1)
  UNION ALL SELECT 'rectification', customer_id, id, recorded_at, NULL, action, NULL, NULL, NULL, category FROM rectification_events WHERE customer_id = ANY($1)
  UNION ALL SELECT 'erasure', customer_id, id, recorded_at, NULL, NULL, NULL, NULL, NULL, NULL FROM erasures WHERE customer_id = ANY($1)
  ORDER BY customer_id, recorded_at, kind, id`;

interface EventRow {
  kind: StateEvent['kind'];
  customer_id: string;
  recorded_at: Date;
  purpose: string | null;
  action: string | null;
  given_by: 'subject' | 'guardian' | null;
  explicit: boolean | null;
  expires_at: Date | null;
  category: string | null;
}

export function toEvent(r: EventRow): StateEvent {
  const at = r.recorded_at;
  switch (r.kind) {
    case 'consent':
      return { kind: 'consent', at, purpose: r.purpose!, action: r.action as 'grant' | 'withdraw', givenBy: r.given_by, explicit: r.explicit === true, expiresAt: r.expires_at };
    case 'objection':
      return { kind: 'objection', at, purpose: r.purpose!, category: r.category, action: r.action as 'object' | 'remove' };
    case 'restriction':
      return { kind: 'restriction', at, purpose: r.purpose, category: r.category, action: r.action as 'restrict' | 'lift' };
    case 'rectification':
      return { kind: 'rectification', at, category: r.category!, action: r.action as 'request' | 'resolve' };
    case 'erasure':
      return { kind: 'erasure', at };
  }
}

/**
 * Every state event of these customers, in recorded order, by customer (one statement). Sent as a
 * named statement, straight to the pool under TypeORM: PostgreSQL then plans this five-table
 * UNION once per connection instead of on every request. Planning was 0.15-0.2 ms of its
 * 0.25 ms for one customer (EXPLAIN (ANALYZE, SUMMARY), warm session): the largest part of what
 * enforcement adds to a one-customer read.
 */
export async function loadStateEvents(gateway: DataSource, ids: readonly string[]): Promise<Map<string, StateEvent[]>> {
  let rows: EventRow[] = [];
  if (ids.length) {
    countStatement();
    rows = (await (gateway.driver as PostgresDriver).master.query({ name: 'customer-state-events', text: SQL, values: [ids] })).rows;
  }
  const events = new Map<string, StateEvent[]>(ids.map((id) => [id, []]));
  for (const r of rows) events.get(r.customer_id)?.push(toEvent(r));
  return events;
}

export async function loadCustomerStates(
  gateway: DataSource,
  customers: readonly { id: string; dateOfBirth: string | null }[],
  now: Date,
): Promise<Map<string, CustomerState>> {
  const events = await loadStateEvents(gateway, customers.map((c) => c.id));
  return new Map(customers.map((c) => [c.id, foldCustomerState(c.id, c.dateOfBirth, events.get(c.id) ?? [], now)]));
}

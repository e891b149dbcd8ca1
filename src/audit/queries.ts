import { DataSource } from 'typeorm';
import { GatewayError } from '../errors';
import { DecisionRecord } from './decision-record';
import { CUSTOMER_ID } from '../rights/customer-state.service';
import { TAXONOMY } from '../policy/taxonomy';

/**
 * Reading the access log, for security teams (GraphQL `accessLog` / `accessStats`, GET
 * /audit/export) and the benchmark. Pure SQL over the view `access_log_entries`: the partitioned
 * `access_log` holds one row per decision with the categories it covered, the view one entry per
 * (row, category), which is what these read and count (migration AccessLogDecisionRows). Every
 * value is a bind parameter, never text in the statement.
 *
 * Filters (all optional, all combinable, AND-ed):
 *  - customerId, caller, purpose, effect, reason: equality;
 *  - category: the category or any of its children (`contact` matches `contact` and
 *    `contact.email`, never `contactless`). Rows are found through the GIN index on their
 *    categories, asked for the category and its children in the taxonomy (which only ever grows);
 *    entries are then matched by name;
 *  - field: a field name (`address`: any entry that covered a field of that name, at any depth:
 *    `address`, `emails.0.address`) or the `Type.field` form (`Email.address`: the same, and the
 *    entry's `type_name` is `Email`; each category belongs to one type in the schema);
 *  - from (inclusive) and to (exclusive) on `at`, the request time. The table is partitioned by
 *    month of `logged_at` (commit time, seconds after `at`), so the same bounds widened by a day
 *    are also put on `logged_at`: PostgreSQL then skips the months the range cannot touch.
 *
 * Values are checked against the patterns of what the gateway writes; a bad one is refused with
 * BAD_USER_INPUT naming the filter, never repeating the value (it may be personal data).
 */
export type AccessEffect = 'ALLOW' | 'MASK' | 'DENY';

export interface AccessLogFilter {
  customerId?: string;
  caller?: string;
  purpose?: string;
  category?: string;
  field?: string;
  effect?: AccessEffect;
  reason?: string;
  from?: Date;
  to?: Date;
}

export const FILTER_KEYS = ['customerId', 'caller', 'purpose', 'category', 'field', 'effect', 'reason', 'from', 'to'] as const;

export interface AccessLogEntry {
  id: string;
  batchId: string;
  loggedAt: Date;
  at: Date;
  requestId: string;
  caller: string;
  roles: string[];
  purpose: string | null;
  justification: string | null;
  clientAddress: string | null;
  policyHash: string;
  customerId: string | null;
  typeName: string;
  fieldPath: string;
  fields: string[];
  category: string;
  effect: AccessEffect;
  reason: string | null;
  rule: string | null;
  /** Opaque position of this entry, for `after`. */
  cursor: string;
}

export interface AccessLogPage {
  entries: AccessLogEntry[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export type StatsGroupBy = 'caller' | 'purpose' | 'category' | 'reason' | 'day' | 'effect';
export const STATS_GROUP_BY: readonly StatsGroupBy[] = ['caller', 'purpose', 'category', 'reason', 'day', 'effect'];
/** The key of the group of entries that have no purpose (auditor reads) or no reason (not denied). */
export const NONE_KEY = '(none)';

/** The access-log entry recording a read of the access log (GraphQL accessLog, accessStats; GET /audit/export). */
export function accessLogReadRecord(recordPath: 'accessLog' | 'accessStats' | 'auditExport', filter: AccessLogFilter, roles: readonly string[]): DecisionRecord {
  return {
    customerId: filter.customerId ?? null, typeName: 'AccessLog', recordPath, fields: [], category: 'access_log',
    effect: 'ALLOW', reason: null, rule: roles.includes('auditor') ? 'roles.auditor' : 'roles.dpo',
  };
}

/** Anything with `query(sql, params)`: a DataSource, an EntityManager or a QueryRunner. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const MAX_PAGE = 500;
const DAY_MS = 86_400_000;
const MIN_TIME = Date.UTC(1970, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31);

const PATTERNS: Record<'customerId' | 'caller' | 'purpose' | 'category' | 'field' | 'reason', [RegExp, string]> = {
  customerId: [CUSTOMER_ID, 'is not a customer id'],
  caller: [/^[a-z0-9][a-z0-9._-]{0,127}$/, 'is not a caller id'],
  purpose: [/^[a-z][a-z0-9_]{0,63}$/, 'is not a purpose key'],
  category: [/^(?=.{1,100}$)[a-z_]+(\.[a-z_]+)*$/, 'is not a category (dotted lower-case name)'],
  field: [/^([A-Z][A-Za-z0-9]{0,63}\.)?[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'is not a field name or Type.field'],
  reason: [/^[A-Z][A-Z_]{0,63}$/, 'is not a reason code'],
};
const EFFECTS: readonly string[] = ['ALLOW', 'MASK', 'DENY'];

const bad = (why: string) => new GatewayError('BAD_USER_INPUT', why);

/** Checks every filter value; returns a filter with absent (undefined or null) values removed. */
export function validateFilter(filter: Readonly<Record<string, unknown>> | null | undefined): AccessLogFilter {
  const out: AccessLogFilter = {};
  if (!filter) return out;
  for (const key of Object.keys(filter)) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw bad(`unknown filter; the filters are ${FILTER_KEYS.join(', ')}`);
  }
  for (const key of Object.keys(PATTERNS) as (keyof typeof PATTERNS)[]) {
    const v = filter[key];
    if (v === undefined || v === null) continue;
    const [pattern, why] = PATTERNS[key];
    if (typeof v !== 'string' || !pattern.test(v)) throw bad(`${key} ${why}`);
    out[key] = v;
  }
  const effect = filter.effect;
  if (effect !== undefined && effect !== null) {
    if (typeof effect !== 'string' || !EFFECTS.includes(effect)) throw bad('effect must be one of ALLOW, MASK, DENY');
    out.effect = effect as AccessEffect;
  }
  for (const key of ['from', 'to'] as const) {
    const v = filter[key];
    if (v === undefined || v === null) continue;
    if (!(v instanceof Date) || Number.isNaN(v.getTime()) || v.getTime() < MIN_TIME || v.getTime() > MAX_TIME) {
      throw bad(`${key} must be a date-time between 1970 and 9999`);
    }
    out[key] = v;
  }
  if (out.from && out.to && out.from.getTime() >= out.to.getTime()) throw bad('from must be before to');
  return out;
}

/** The category and its children in the taxonomy: a row holding any of them may hold a matching entry. */
function categoryAndChildren(category: string): string[] {
  return [category, ...Object.keys(TAXONOMY).filter((c) => c.startsWith(`${category}.`))];
}

/**
 * WHERE conditions on access_log_entries for a validated filter; pushes the values onto `params`.
 * Conditions on a row's columns (customer, caller, purpose, effect, reason, time, its categories)
 * reach the table and its indexes; category and field are then checked per entry.
 */
function conditions(f: AccessLogFilter, params: unknown[]): string[] {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const c: string[] = [];
  if (f.customerId !== undefined) c.push(`customer_id = ${p(f.customerId)}`);
  if (f.caller !== undefined) c.push(`caller = ${p(f.caller)}`);
  if (f.purpose !== undefined) c.push(`purpose = ${p(f.purpose)}`);
  if (f.category !== undefined) {
    c.push(`row_categories && ${p(categoryAndChildren(f.category))}::text[]`, `(category = ${p(f.category)} OR starts_with(category, ${p(`${f.category}.`)}))`);
  }
  if (f.field !== undefined) {
    // `fields` holds paths relative to the customer (`firstName`, `emails.0-2.address`, and
    // `accounts.0.loginEvents[id=12]` for a record left out): match the last name of any of them.
    const dot = f.field.indexOf('.');
    const name = dot >= 0 ? f.field.slice(dot + 1) : f.field;
    if (dot >= 0) c.push(`type_name = ${p(f.field.slice(0, dot))}`);
    c.push(`EXISTS (SELECT 1 FROM unnest(fields) AS f(path)
      WHERE split_part(f.path, '[', 1) = ${p(name)} OR right(split_part(f.path, '[', 1), ${p(name.length + 1)}) = ${p(`.${name}`)})`);
  }
  if (f.effect !== undefined) c.push(`effect = ${p(f.effect)}`);
  if (f.reason !== undefined) c.push(`reason = ${p(f.reason)}`);
  if (f.from !== undefined) c.push(`at >= ${p(f.from)}`, `logged_at >= ${p(new Date(f.from.getTime() - DAY_MS))}`);
  if (f.to !== undefined) c.push(`at < ${p(f.to)}`, `logged_at < ${p(new Date(f.to.getTime() + DAY_MS))}`);
  return c;
}

/* Cursors: base64url of `<at with microseconds, UTC>|<row id>|<part>`, as PostgreSQL prints them. */
const CURSOR_TEXT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|(\d{1,19})\|(\d{1,9})$/;

export interface Position { at: string; id: string; part: number }

export function encodeCursor(atText: string, id: string, part: number): string {
  return Buffer.from(`${atText}|${id}|${part}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, argName = 'after'): Position {
  const m = /^[A-Za-z0-9_-]{1,100}$/.test(cursor) ? CURSOR_TEXT.exec(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  if (!m || Number.isNaN(Date.parse(m[1]))) throw bad(`${argName} is not a cursor returned by accessLog`);
  return { at: m[1], id: m[2], part: Number(m[3]) };
}

const COLUMNS = `entry_id AS id, id::text AS row_id, part, batch_id::text AS batch_id, logged_at, at, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text,
  request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path, fields, category, effect, reason, rule`;

interface Row {
  id: string; row_id: string; part: number; batch_id: string; logged_at: Date; at: Date; at_text: string; request_id: string; caller: string; roles: string[];
  purpose: string | null; justification: string | null; client_address: string | null; policy_hash: string; customer_id: string | null;
  type_name: string; field_path: string; fields: string[]; category: string; effect: AccessEffect; reason: string | null; rule: string | null;
}

const toEntry = (r: Row): AccessLogEntry => ({
  id: r.id, batchId: r.batch_id, loggedAt: r.logged_at, at: r.at, requestId: r.request_id, caller: r.caller, roles: r.roles, purpose: r.purpose,
  justification: r.justification, clientAddress: r.client_address, policyHash: r.policy_hash, customerId: r.customer_id, typeName: r.type_name,
  fieldPath: r.field_path, fields: r.fields, category: r.category, effect: r.effect, reason: r.reason, rule: r.rule, cursor: encodeCursor(r.at_text, r.row_id, r.part),
});

/**
 * Planner setting for reads of the log, set in the reading transaction (SET LOCAL). The default
 * random_page_cost (4) prices every heap fetch of an index scan on (value, at) as a random read,
 * because the planner judges locality by the first index column alone; in this append-only,
 * time-ordered table those fetches follow `at` and are close to sequential. At 4 the planner
 * prefers walking (at, id) and filtering, which reads the whole log when the newest entries do
 * not match (measured: effect MASK 430 ms at 4, 1.6 ms at 1.1, on 11M rows). 1.1 is the usual
 * value for SSD storage.
 */
export const READ_SETTINGS = 'SET LOCAL random_page_cost = 1.1';

/**
 * One keyset page of entries matching an already validated filter, in (at, id) order, after the
 * given position. The building block of `queryAccessLog` (newest first) and the export (oldest
 * first, inside one snapshot). Reads `limit + 1` rows to know whether more follow.
 */
export async function scanAccessLog(
  db: Queryable, filter: AccessLogFilter, order: 'newest' | 'oldest', limit: number, after: Position | null,
): Promise<AccessLogPage> {
  const params: unknown[] = [];
  const where = conditions(filter, params);
  const dir = order === 'newest' ? 'DESC' : 'ASC';
  if (after) {
    params.push(after.at, after.id, after.part);
    const [at, id, part] = [`$${params.length - 2}::timestamptz`, `$${params.length - 1}::bigint`, `$${params.length}::int`];
    // The (at, id) bound alone lets the (at, id) index start at the position; the part orders within the row.
    where.push(`(e.at, e.id) ${order === 'newest' ? '<=' : '>='} (${at}, ${id})`, `(e.at, e.id, e.part) ${order === 'newest' ? '<' : '>'} (${at}, ${id}, ${part})`);
  }
  params.push(limit + 1);
  const rows = (await db.query(
    // e.at, e.id: a bare `id` in ORDER BY would sort by the text output column.
    `SELECT ${COLUMNS} FROM access_log_entries e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY e.at ${dir}, e.id ${dir}, e.part ${dir} LIMIT $${params.length}`,
    params,
  )) as Row[];
  const entries = rows.slice(0, limit).map(toEntry);
  return { entries, endCursor: entries.length ? entries[entries.length - 1].cursor : null, hasNextPage: rows.length > limit };
}

/** Newest first, `first` (1..500) entries after the cursor `after` (from a previous page's endCursor). */
export async function queryAccessLog(ds: DataSource, filter: AccessLogFilter, first: number, after: string | null): Promise<AccessLogPage> {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw bad(`first must be an integer from 1 to ${MAX_PAGE}`);
  const position = after === null || after === undefined ? null : decodeCursor(after);
  const valid = validateFilter(filter as Record<string, unknown>);
  return ds.transaction('READ COMMITTED', async (m) => {
    await m.query(READ_SETTINGS);
    return scanAccessLog(m, valid, 'newest', first, position);
  });
}

const GROUP_KEYS: Record<StatsGroupBy, string> = {
  caller: 'caller',
  purpose: `coalesce(purpose, '${NONE_KEY}')`,
  category: 'category',
  reason: `coalesce(reason, '${NONE_KEY}')`,
  day: `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  effect: 'effect',
};

/**
 * Entries matching the filter, counted per caller, purpose, category, reason, UTC day of `at`, or
 * effect; most first, ties by key (byte order). Entries without a purpose or a reason count under
 * `(none)`.
 */
export async function accessStats(ds: DataSource, groupBy: StatsGroupBy, filter: AccessLogFilter): Promise<{ key: string; count: number }[]> {
  if (!STATS_GROUP_BY.includes(groupBy)) throw bad(`groupBy must be one of ${STATS_GROUP_BY.join(', ')}`);
  const valid = validateFilter(filter as Record<string, unknown>);
  const params: unknown[] = [];
  const where = conditions(valid, params);
  const rows = (await ds.query(
    `SELECT ${GROUP_KEYS[groupBy]} AS key, count(*) AS count FROM access_log_entries e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     GROUP BY 1 ORDER BY count(*) DESC, ${GROUP_KEYS[groupBy]} COLLATE "C"`,
    params,
  )) as { key: string; count: string }[];
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

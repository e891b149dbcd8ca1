import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The access log's two hash formats, written again for the tests from their description in
 * src/audit/chain.ts and src/audit/batch-content.ts, without importing either: the oracle that
 * the golden batches (test/fixtures/golden-batches/) were hashed with once, and that the tamper
 * test (test/integration/audit-tamper.test.ts) uses to say what hash `verify` must recompute from
 * a changed row. If the production code and this file ever disagree on a batch that is already
 * stored, one of them changed how old batches hash.
 *
 * Rows and batches are kept as PostgreSQL stores them, one property per column (bigint as text,
 * timestamptz as an ISO-8601 string with milliseconds and `Z`, arrays as arrays).
 */
export interface StoredRow {
  id: string;
  batch_id: string;
  logged_at: string;
  at: string;
  request_id: string;
  caller: string;
  roles: string[];
  purpose: string | null;
  justification: string | null;
  client_address: string | null;
  policy_hash: string;
  customer_id: string | null;
  type_name: string | null;
  field_path: string;
  fields: string[];
  category: string | null;
  effect: string;
  reason: string | null;
  rule: string | null;
  categories: string[] | null;
  category_types: string[] | null;
  category_field_ends: number[] | null;
}

export interface StoredBatch {
  id: string;
  chain_seq: string;
  logged_at: string;
  prev_hash: string;
  hash: string;
  row_count: number;
  first_row_id: string;
  last_row_id: string;
  hash_format: number;
}

export interface GoldenBatch {
  batch: StoredBatch;
  rows: StoredRow[];
}

export interface GoldenFile {
  format: number;
  description: string;
  batches: GoldenBatch[];
}

export const GOLDEN_DIR = path.resolve(__dirname, '../fixtures/golden-batches');
export const ROW_COLUMNS = [
  'id', 'batch_id', 'logged_at', 'at', 'request_id', 'caller', 'roles', 'purpose', 'justification', 'client_address', 'policy_hash', 'customer_id',
  'type_name', 'field_path', 'fields', 'category', 'effect', 'reason', 'rule', 'categories', 'category_types', 'category_field_ends',
] as const;
export const BATCH_COLUMNS = ['id', 'chain_seq', 'logged_at', 'prev_hash', 'hash', 'row_count', 'first_row_id', 'last_row_id', 'hash_format'] as const;

export function readGolden(format: 1 | 2): GoldenFile {
  return JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, `format-${format}.json`), 'utf8')) as GoldenFile;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/** The eight values a row shares with the other rows of its request. */
const requestValues = (r: StoredRow) => [r.at, r.request_id, r.caller, r.roles, r.purpose, r.justification, r.client_address, r.policy_hash];

/**
 * Format 1: sha256 over "prev\nid\nlogged_at\ncount\n" and one JSON line per row, in row order: the
 * request's eight values, then either the old row's eight decision values (one category) or "v2"
 * and an object {c, p, e, r, u, g, t, x, f} (lists joined by U+001F, field ends by commas, f null
 * when there are no fields).
 */
export function format1Hash(prevHash: string, batchId: string, loggedAt: string, rows: readonly StoredRow[]): string {
  let text = `${prevHash}\n${batchId}\n${loggedAt}\n${rows.length}\n`;
  for (const r of rows) {
    const line = r.categories === null
      ? [...requestValues(r), r.customer_id, r.type_name, r.field_path, r.fields, r.category, r.effect, r.reason, r.rule]
      : [...requestValues(r), 'v2', {
        c: r.customer_id, p: r.field_path, e: r.effect, r: r.reason, u: r.rule, g: r.categories.join('\x1f'), t: r.category_types!.join('\x1f'),
        x: r.category_field_ends!.join(','), f: r.fields.length ? r.fields.join('\x1f') : null,
      }];
    text += JSON.stringify(line) + '\n';
  }
  return sha256(text);
}

/** Format 2: the content digest of a batch's rows (requests as JSON, nine columns, each row's request number). */
export function format2Digest(rows: readonly StoredRow[]): string {
  const numbers = new Map<string, number>();
  const requests: object[] = [];
  const requestOfRow: number[] = [];
  for (const r of rows) {
    if (r.categories === null) throw new Error(`row ${r.id} has the old one-category shape: not a row of a format-2 batch`);
    const key = JSON.stringify(requestValues(r));
    if (!numbers.has(key)) {
      const n = numbers.size + 1;
      numbers.set(key, n);
      requests.push({
        n, at: r.at, rid: r.request_id, caller: r.caller, roles: r.roles, purpose: r.purpose, just: r.justification, addr: r.client_address, ph: r.policy_hash,
      });
    }
    requestOfRow.push(numbers.get(key)!);
  }
  const NULL = '\x01';
  const columns: string[][] = [
    rows.map((r) => r.customer_id ?? NULL),
    rows.map((r) => r.field_path),
    rows.map((r) => r.effect),
    rows.map((r) => r.reason ?? NULL),
    rows.map((r) => r.rule ?? NULL),
    rows.map((r) => r.categories!.join('\x1f')),
    rows.map((r) => r.category_types!.join('\x1f')),
    rows.map((r) => r.category_field_ends!.join(',')),
    rows.map((r) => (r.fields.length ? r.fields.join('\x1f') : NULL)),
  ];
  // Each column (and the request numbers) starts with one element the writer's SQL drops: an empty
  // string for a column, 0 for the numbers.
  const text = [JSON.stringify(requests), ...columns.map((c) => ['', ...c].join('\x1e')), [0, ...requestOfRow].join(',')].join('\n');
  return sha256(text);
}

/** Format 2: sha256 over "prev\nid\nlogged_at\ncount\ndigest". */
export function format2Hash(prevHash: string, batchId: string, loggedAt: string, rows: readonly StoredRow[]): string {
  return sha256(`${prevHash}\n${format2Header(batchId, loggedAt, rows)}`);
}

/** Format 2: the header access_log_link hashes after the previous hash. */
export function format2Header(batchId: string, loggedAt: string, rows: readonly StoredRow[]): string {
  return `${batchId}\n${loggedAt}\n${rows.length}\n${format2Digest(rows)}`;
}

export function oracleHash(format: number, prevHash: string, batchId: string, loggedAt: string, rows: readonly StoredRow[]): string {
  if (format === 1) return format1Hash(prevHash, batchId, loggedAt, rows);
  if (format === 2) return format2Hash(prevHash, batchId, loggedAt, rows);
  throw new Error(`no hash format ${format}`);
}

/** Something with pg's `query(sql, params)` returning rows: a pg Client (`.rows`) or a TypeORM DataSource (an array). */
type Queryable = { query(sql: string, params?: unknown[]): Promise<unknown> };

/**
 * Inserts golden batches exactly as stored: every column given (ids and chain places too), rows
 * first, then their batch. Rows land in whatever partition holds their logged_at (the default one
 * for these old months).
 */
export async function insertStored(db: Queryable, batches: readonly GoldenBatch[]): Promise<void> {
  for (const { batch, rows } of batches) {
    await insertStoredRows(db, rows);
    const cols = Object.keys(batch) as (keyof StoredBatch)[];
    await db.query(`INSERT INTO access_log_batches (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => batch[c]));
  }
}

/** Inserts access-log rows exactly as stored, every column given. */
export async function insertStoredRows(db: Queryable, rows: readonly StoredRow[]): Promise<void> {
  for (const r of rows) {
    const cols = Object.keys(r) as (keyof StoredRow)[];
    await db.query(`INSERT INTO access_log (${cols.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => r[c]));
  }
}

/** A row as pg returns it (Date timestamps) in the stored shape (ISO strings). */
export function storedRow(r: Record<string, unknown>): StoredRow {
  const out: Record<string, unknown> = {};
  for (const c of ROW_COLUMNS) out[c] = r[c] instanceof Date ? (r[c] as Date).toISOString() : r[c];
  return out as unknown as StoredRow;
}

export function storedBatch(b: Record<string, unknown>): StoredBatch {
  const out: Record<string, unknown> = {};
  for (const c of BATCH_COLUMNS) out[c] = b[c] instanceof Date ? (b[c] as Date).toISOString() : b[c];
  return out as unknown as StoredBatch;
}

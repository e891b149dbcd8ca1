import { DataSource } from 'typeorm';
import { batchHash, batchHeader, GENESIS_HASH, linkedHash, LogRow } from './chain';
import { batchContent, contentDigest } from './batch-content';

/**
 * Verifies the access log's hash chain (`npm run audit -- verify`).
 *
 * Walks access_log_batches in chain order (chain_seq), rebuilds each batch's rows from access_log exactly as the
 * writer hashed them, in the batch's hash format (chain.ts), recomputes its hash and checks, for every batch:
 *   - its prev_hash is the previous batch's hash (GENESIS_HASH for the first batch ever written),
 *   - its rows are all there (row_count),
 *   - its hash is the hash of its prev_hash, id, logged_at and rows.
 * It stops at the first broken link.
 *
 * Where it starts: with no prune recorded, at the first batch, which must follow GENESIS_HASH.
 * After a prune (`npm run audit -- prune`), the rows of the batches before the end of the
 * pruned range are gone on purpose; the walk starts after the last batch (in chain order) logged
 * before the latest pruned range's end (the start of the oldest kept month), and the next batch's
 * prev_hash is trusted as the anchor (reported in the result). Batches are written two at a time,
 * so around a month's start a batch logged a moment earlier may be chained just after one logged
 * in the new month: starting after the last early one, not at the first late one, keeps such a
 * batch out of the walk. Batches after the start are expected to have all their rows: a month
 * partition dropped without a record in access_log_prunes shows up as a row count mismatch, not
 * as a moved anchor.
 *
 * Memory stays flat whatever the size of the log: batches are read in pages of BATCH_PAGE (keyset
 * on chain_seq), rows per batch, one batch ahead (a batch holds at most the writer's maxBatchRows). The
 * walk covers the batches committed when it starts; the gateway may keep writing meanwhile.
 */
export type BreakReason = 'hash mismatch' | 'prev_hash mismatch' | 'row count mismatch' | 'non-canonical value' | 'prune record not genuine';

export interface VerifyProgress {
  /** Batches verified so far. */
  batches: number;
  /** Rows verified so far. */
  rows: number;
  /** Batches to verify in all (counted when the walk starts). */
  total: number;
}

export interface VerifyResult {
  /** True when every batch from the start (genesis or anchor) to the last one verified. */
  ok: boolean;
  /** Batches verified intact (before the broken one, if any). */
  batches: number;
  /** Rows of those batches. */
  rows: number;
  /** Null when the walk started at genesis; else the first kept batch after a prune, whose prev_hash was trusted. */
  anchor: { batchId: string; prevHash: string } | null;
  /**
   * The first broken link. expected: what the chain records (previous batch's hash, the batch's
   * row_count, the batch's stored hash); actual: what the data shows (this batch's prev_hash, rows
   * found, hash recomputed from the rows found).
   */
  firstBroken: { batchId: string; reason: BreakReason; expected: string | number; actual: string | number } | null;
}

export interface VerifyOptions {
  onProgress?: (p: VerifyProgress) => void;
}

const BATCH_PAGE = 1000;

interface BatchRecord {
  id: string;
  seq: string;
  logged_at: Date;
  prev_hash: string;
  hash: string;
  row_count: number;
  hash_format: number;
  /** logged_at has sub-millisecond digits: the writer's JS Date has none, so it was changed. */
  odd_time: boolean;
}

interface AccessLogRecord {
  at: Date;
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
  categories: string[] | null;
  category_types: string[] | null;
  category_field_ends: number[] | null;
  effect: string;
  reason: string | null;
  rule: string | null;
  /** Why the row holds a value the writer could not have stored (NON_CANONICAL_SQL), or null. */
  noncanonical?: string | null;
}

/** A stored row as the writer's LogRow; `at` is a Date (pg parses timestamptz), arrays are arrays (pg parses text[]). */
export function toLogRow(r: AccessLogRecord): LogRow {
  return {
    at: r.at, requestId: r.request_id, caller: r.caller, roles: r.roles, purpose: r.purpose, justification: r.justification,
    clientAddress: r.client_address, policyHash: r.policy_hash, customerId: r.customer_id, typeName: r.type_name, fieldPath: r.field_path,
    fields: r.fields, category: r.category, effect: r.effect, reason: r.reason, rule: r.rule,
    categories: r.categories, categoryTypes: r.category_types, categoryFieldEnds: r.category_field_ends,
  };
}

/**
 * The batch's hash recomputed from its stored rows, in its format. Format 2 rebuilds the content
 * the writer sent (batch-content.ts): each row's request from its metadata, its decision from its
 * columns. A row of the old one-category shape cannot be in such a batch unless it was altered;
 * it then contributes empty lists, and the hash does not match.
 */
function recomputeHash(b: BatchRecord, rows: LogRow[]): string {
  if (b.hash_format === 1) return batchHash(b.prev_hash, b.id, b.logged_at, rows);
  const content = batchContent(rows.map((r) => ({
    meta: r,
    rows: [{
      customerId: r.customerId, fieldPath: r.fieldPath, effect: r.effect, reason: r.reason, rule: r.rule,
      categories: r.categories ?? [], categoryTypes: r.categoryTypes ?? [], categoryFieldEnds: r.categoryFieldEnds ?? [], fields: r.fields,
    }],
  })));
  return linkedHash(b.prev_hash, batchHeader(b.id, b.logged_at, rows.length, contentDigest(content)));
}

/** Where the walk starts (after this chain_seq): the beginning, or after a prune past the last batch of the pruned range. */
export async function startingPoint(ds: DataSource): Promise<{ afterSeq: string; pruned: boolean }> {
  const [{ pruned_until: prunedUntil }] = await ds.query(`SELECT max(range_end) AS pruned_until FROM access_log_prunes`);
  if (prunedUntil === null) return { afterSeq: '0', pruned: false };
  const [{ last }] = await ds.query(`SELECT max(chain_seq)::text AS last FROM access_log_batches WHERE logged_at < $1`, [prunedUntil]);
  // No batch before it (the pruned months had none): the walk still starts at genesis.
  return last === null ? { afterSeq: '0', pruned: false } : { afterSeq: last, pruned: true };
}

/**
 * A stored value the writer could never have stored, named, or null. The hash covers values as
 * node-postgres reads them back, which is not every byte PostgreSQL keeps: an array's lower bound
 * (`'[0:2]={...}'` reads as the same list, yet the access_log_entries view slices `fields` by
 * position), a timestamp's microseconds (a JS Date keeps milliseconds), and a control character
 * inside a decision value (the separators and NULL mark of the hashed texts, batch-content.ts: a
 * list rewritten as one element holding them hashes the same). The writer stores none of these
 * (chain.ts loggable; timestamps from JS Dates), so any of them is a change made afterwards.
 */
const NON_CANONICAL_SQL = `CASE
    WHEN at <> date_trunc('milliseconds', at) THEN 'at has sub-millisecond digits'
    WHEN logged_at <> date_trunc('milliseconds', logged_at) THEN 'logged_at has sub-millisecond digits'
    ${['roles', 'fields', 'categories', 'category_types', 'category_field_ends']
    .map((c) => `WHEN coalesce(array_lower(${c}, 1), 1) <> 1 OR coalesce(array_ndims(${c}), 1) <> 1 THEN '${c} is not a plain list from 1'`).join('\n    ')}
    WHEN concat_ws(' ', customer_id, field_path, effect, reason, rule, type_name, category, array_to_string(fields, ' '),
                   array_to_string(categories, ' '), array_to_string(category_types, ' ')) ~ ('[' || chr(1) || '-' || chr(31) || ']')
      THEN 'a decision value holds a control character'
  END`;

const ROWS_SQL = `SELECT at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path,
                          fields, category, effect, reason, rule, categories, category_types, category_field_ends, ${NON_CANONICAL_SQL} AS noncanonical
                   FROM access_log WHERE batch_id = $1 AND logged_at = $2 ORDER BY id LIMIT $3`;

/** The batches with chain_seq in (afterSeq, upToSeq], in chain order, read in pages (keyset on chain_seq). */
async function* batchesBetween(ds: DataSource, afterSeq: string, upToSeq: string): AsyncGenerator<BatchRecord> {
  let lastSeq = afterSeq;
  for (;;) {
    const page: BatchRecord[] = await ds.query(
      // b.chain_seq, not seq: ORDER BY seq would sort by the text output column.
      `SELECT b.id::text AS id, b.chain_seq::text AS seq, b.logged_at, b.prev_hash, b.hash, b.row_count, b.hash_format,
              b.logged_at <> date_trunc('milliseconds', b.logged_at) AS odd_time FROM access_log_batches b
       WHERE b.chain_seq > $1 AND b.chain_seq <= $2 ORDER BY b.chain_seq LIMIT ${BATCH_PAGE}`,
      [lastSeq, upToSeq],
    );
    yield* page;
    if (page.length < BATCH_PAGE) return;
    lastSeq = page[page.length - 1].seq;
  }
}

/**
 * The walk trusts the latest prune record for where to start, so a forged one (an INSERT into
 * access_log_prunes, by the owner) would hide every batch before it. A genuine prune dropped its
 * partition after recording it, in the past: a record that ends after now, or whose range still
 * holds rows, was not made by prune.
 */
async function forgedPrune(ds: DataSource): Promise<VerifyResult['firstBroken']> {
  const [latest]: { name: string; range_start: Date | null; range_end: Date; future: boolean }[] = await ds.query(
    `SELECT partition_name AS name, range_start, range_end, range_end > now() AS future FROM access_log_prunes ORDER BY range_end DESC LIMIT 1`);
  if (!latest) return null;
  const what = { batchId: `prune of ${latest.name}`, reason: 'prune record not genuine' as const };
  if (latest.future) return { ...what, expected: 'a pruned range that ended before now', actual: `ends ${latest.range_end.toISOString()}` };
  const [{ kept }] = await ds.query(
    `SELECT count(*)::int AS kept FROM (SELECT 1 FROM access_log WHERE logged_at < $2 AND ($1::timestamptz IS NULL OR logged_at >= $1) LIMIT 1) x`,
    [latest.range_start, latest.range_end]);
  return kept ? { ...what, expected: 'no rows left in the pruned range', actual: 'rows logged in it are still there' } : null;
}

export async function verifyChain(ds: DataSource, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const forged = await forgedPrune(ds);
  if (forged) return { ok: false, batches: 0, rows: 0, anchor: null, firstBroken: forged };
  const start = await startingPoint(ds);
  // The walk ends at the last batch committed when it starts: chain_seq is assigned and committed
  // in order under the writer's lock, so everything up to it is settled; later ones are for the next run.
  const [{ total, last }] = await ds.query(
    `SELECT count(*)::int AS total, coalesce(max(chain_seq), 0)::text AS last FROM access_log_batches WHERE chain_seq > $1`, [start.afterSeq]);
  let anchor: VerifyResult['anchor'] = null;
  let expectedPrev: string | null = start.pruned ? null : GENESIS_HASH; // null: take the first batch's prev_hash as the anchor
  let batches = 0;
  let rows = 0;
  opts.onProgress?.({ batches, rows, total });
  const result = (firstBroken: VerifyResult['firstBroken']): VerifyResult => ({ ok: firstBroken === null, batches, rows, anchor, firstBroken });

  // One batch's rows are read while the previous one is hashed (two connections of the pool), so
  // the database and the hashing overlap. At most two batches' rows are in memory. logged_at is
  // the partition key and the same for every row of a batch: it lets PostgreSQL read one
  // partition, and a row moved to another logged_at counts as missing. LIMIT row_count + 1 bounds
  // what is read when rows were added.
  const readRows = (b: BatchRecord): Promise<AccessLogRecord[]> => {
    const p: Promise<AccessLogRecord[]> = ds.query(ROWS_SQL, [b.id, b.logged_at, b.row_count + 1]);
    p.catch(() => undefined); // awaited below, unless the walk stops first
    return p;
  };
  const walk = batchesBetween(ds, start.afterSeq, last);
  let next = await walk.next();
  let nextRows = next.done ? null : readRows(next.value);
  while (!next.done) {
    const b = next.value;
    const pending = nextRows!;
    next = await walk.next();
    nextRows = next.done ? null : readRows(next.value);

    if (expectedPrev === null) {
      anchor = { batchId: b.id, prevHash: b.prev_hash };
      expectedPrev = b.prev_hash;
    }
    if (b.prev_hash !== expectedPrev) {
      return result({ batchId: b.id, reason: 'prev_hash mismatch', expected: expectedPrev, actual: b.prev_hash });
    }
    const records = await pending;
    if (records.length !== b.row_count) {
      let found = records.length;
      if (found > b.row_count) {
        [{ found }] = await ds.query(`SELECT count(*)::int AS found FROM access_log WHERE batch_id = $1 AND logged_at = $2`, [b.id, b.logged_at]);
      }
      return result({ batchId: b.id, reason: 'row count mismatch', expected: b.row_count, actual: found });
    }
    const odd = b.odd_time ? 'the batch\'s logged_at has sub-millisecond digits' : records.find((r) => r.noncanonical)?.noncanonical;
    if (odd) return result({ batchId: b.id, reason: 'non-canonical value', expected: 'values as the writer stores them', actual: odd });
    const recomputed = recomputeHash(b, records.map(toLogRow));
    if (recomputed !== b.hash) {
      return result({ batchId: b.id, reason: 'hash mismatch', expected: b.hash, actual: recomputed });
    }
    expectedPrev = b.hash;
    batches += 1;
    rows += records.length;
    opts.onProgress?.({ batches, rows, total });
  }
  return result(null);
}

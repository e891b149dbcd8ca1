import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';
import { batchHeader, CHAIN_LOCK, GENESIS_HASH, RequestMeta } from './chain';
import { ensurePartitions } from './partitions';
import { decisionRows } from './decision-rows';
import { batchContent, contentDigest } from './batch-content';
import { setStatementBound } from '../stores/statement-bound';

/**
 * One access-log batch, written in one transaction: the rows of every request in it, then the
 * batch's place in the hash chain.
 *
 * The rows go in first, without any lock, so batches from several writers (two in one process,
 * or several replicas) insert side by side and use more than one core of PostgreSQL. Then one
 * call of access_log_link (migration AccessLogChainDigest) takes the chain lock
 * (transaction-scoped, released by the commit), reads the chain head and appends the batch as
 * chain_seq = head + 1, its hash over the head's hash and the batch's header (chain.ts, format 2).
 * The content digest in that header is computed before the transaction, so under the lock only
 * a few hundred bytes are hashed. The chain's order is chain_seq, not id: ids are taken before
 * the lock. Rows and batch commit together or not at all. first_row_id and last_row_id are the
 * batch's lowest and highest row id: with batches overlapping, another batch's rows may have ids
 * between them.
 *
 * A request's decision records (one per customer place, category and decision) are stored as one
 * row per customer place and decision (decision-rows.ts). Values shared by a request's rows (time,
 * caller, roles, purpose, ...) travel once per request and are joined to the rows in the INSERT;
 * only the decision itself travels per row.
 */
export interface LogEntrySet {
  meta: RequestMeta;
  records: readonly DecisionRecord[];
}

export interface WrittenBatch {
  batchId: string;
  hash: string;
  chainSeq: string;
}

/**
 * The rows travel column by column (batch-content.ts): each of the decision's nine columns as one
 * text, split by PostgreSQL's string_to_array and zipped back into rows by a multi-argument
 * unnest; each row's request number as an int[]; the requests as one JSON document. Splitting
 * texts costs PostgreSQL about half of parsing the same rows as JSON (2.6 ms against 4.1 ms for
 * 720 rows). Each column's first element is dropped (n > 1). The batch id is taken in the same
 * statement.
 */
const split = (n: number, nullable = false) => `string_to_array($${n}, E'\\x1e'${nullable ? ", E'\\x01'" : ''})`;
const INSERT_ROWS = `
  WITH batch AS (SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id')) AS id),
  inserted AS (
    INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
                            customer_id, field_path, effect, reason, rule, categories, category_types, category_field_ends, fields)
    SELECT batch.id, $1, q.at, q.rid, q.caller, q.roles, q.purpose, q.just, q.addr, q.ph,
           d.c, d.p, d.e, d.r, d.u, string_to_array(d.g, E'\\x1f'), string_to_array(d.t, E'\\x1f'), string_to_array(d.x, ',')::int[],
           coalesce(string_to_array(d.f, E'\\x1f'), '{}')
    FROM batch, unnest(${split(2, true)}, ${split(3)}, ${split(4)}, ${split(5, true)}, ${split(6, true)}, ${split(7)}, ${split(8)}, ${split(9)}, ${split(10, true)}, $11::int[])
           WITH ORDINALITY AS d(c, p, e, r, u, g, t, x, f, w, n)
    JOIN json_to_recordset($12::json) AS q(n int, at timestamptz, rid text, caller text, roles text[], purpose text, just text, addr text, ph text)
           ON q.n = d.w
    WHERE d.n > 1
    ORDER BY d.n
    RETURNING id)
  SELECT (SELECT id FROM batch)::text AS batch, min(id)::text AS first, max(id)::text AS last FROM inserted`;

const LINK = `SELECT hash, chain_seq::text AS seq FROM access_log_link($1, $2, $3, $4, $5, $6, $7, $8)`;

/**
 * Writes one batch in its own transaction and returns its id, hash and place in the chain.
 * `statementTimeoutMs`: the bound of each of its statements, on a connection of its own, instead
 * of the pool's (src/stores/statement-bound.ts): a large batch under load, or one waiting for the
 * chain lock behind other replicas, is not cut by the bound meant for a request's reads.
 */
export async function writeBatch(ds: DataSource, sets: readonly LogEntrySet[], opts: { statementTimeoutMs?: number } = {}): Promise<WrittenBatch> {
  const loggedAt = new Date();
  const qr = ds.createQueryRunner();
  try {
    await qr.connect();
    if (opts.statementTimeoutMs !== undefined) setStatementBound(qr, opts.statementTimeoutMs);
    await ensurePartitions(ds, loggedAt, qr.manager);
    // Grouped, rendered and digested before the transaction: under the chain lock only the header is hashed.
    const content = batchContent(sets.map((s) => ({ meta: s.meta, rows: decisionRows(s.records) })));
    const digest = contentDigest(content);
    return await qr.manager.transaction(async (m) => {
      const [{ batch: batchId, first, last }] = await m.query(INSERT_ROWS, [loggedAt, ...content.columns, content.requestOfRow, content.requestsJson]);
      const header = batchHeader(batchId, loggedAt, content.rowCount, digest);
      const [{ hash, seq }] = await m.query(LINK, [CHAIN_LOCK, GENESIS_HASH, batchId, loggedAt, header, content.rowCount, first, last]);
      return { batchId, hash, chainSeq: seq };
    });
  } finally {
    await qr.release();
  }
}

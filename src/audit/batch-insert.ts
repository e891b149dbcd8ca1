import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';
import { batchHashOfLines, CHAIN_LOCK, GENESIS_HASH, RequestMeta, requestDigestLines } from './chain';
import { ensurePartitions } from './partitions';
import { DecisionRow, decisionRows } from './decision-rows';

/**
 * One access-log batch, written in one transaction: the rows of every request in it, then the
 * batch's place in the hash chain.
 *
 * The rows go in first, without any lock, so batches from several writers (two in one process,
 * or several replicas) insert side by side and use more than one core of PostgreSQL. Only then
 * does the batch take the chain lock (transaction-scoped, released by the commit), read the chain
 * head, and append itself as chain_seq = head + 1 with a hash over the head's hash and its rows.
 * The chain's order is therefore chain_seq, not id: ids are taken before the lock. Rows and batch
 * commit together or not at all. first_row_id and last_row_id are the batch's lowest and highest
 * row id: with batches overlapping, another batch's rows may have ids between them.
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
 * The rows travel as two JSON documents (the requests, then the decisions pointing at them) and
 * PostgreSQL unpacks them with json_to_recordset. V8's native JSON.stringify is several times
 * cheaper than rendering nine array parameters element by element (pg's array serialiser
 * escapes each element), which was most of the gateway's own cost of writing the log
 * (node --cpu-prof). Keys are one letter: they are repeated in every row.
 */
const INSERT_ROWS = `
  WITH inserted AS (
    INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
                            customer_id, field_path, effect, reason, rule, categories, category_types, category_field_ends, fields)
    SELECT $1, $2, q.at, q.rid, q.caller, q.roles, q.purpose, q.just, q.addr, q.ph,
           d.c, d.p, d.e, d.r, d.u, d.g, d.t, d.x, d.f
    FROM ROWS FROM (json_to_recordset($3::json) AS (q int, c text, p text, e text, r text, u text, g text[], t text[], x int[], f text[]))
           WITH ORDINALITY AS d(q, c, p, e, r, u, g, t, x, f, n)
    JOIN json_to_recordset($4::json) AS q(n int, at timestamptz, rid text, caller text, roles text[], purpose text, just text, addr text, ph text)
           ON q.n = d.q
    ORDER BY d.n
    RETURNING id)
  SELECT min(id)::text AS first, max(id)::text AS last FROM inserted`;

/** The statement's parameters: request columns once per request, decision columns once per row. */
function insertParams(batchId: string, loggedAt: Date, sets: readonly LogEntrySet[], rowsOf: readonly DecisionRow[][]): unknown[] {
  const rows: object[] = [];
  rowsOf.forEach((set, i) => {
    for (const d of set) {
      rows.push({ q: i + 1, c: d.customerId, p: d.fieldPath, e: d.effect, r: d.reason, u: d.rule, g: d.categories, t: d.categoryTypes, x: d.categoryFieldEnds, f: d.fields });
    }
  });
  const requests = sets.map(({ meta: m }, i) => ({
    n: i + 1, at: m.at.toISOString(), rid: m.requestId, caller: m.caller, roles: m.roles, purpose: m.purpose, just: m.justification, addr: m.clientAddress, ph: m.policyHash,
  }));
  return [batchId, loggedAt, JSON.stringify(rows), JSON.stringify(requests)];
}

/** Writes one batch in its own transaction and returns its id, hash and place in the chain. */
export async function writeBatch(ds: DataSource, sets: readonly LogEntrySet[]): Promise<WrittenBatch> {
  const loggedAt = new Date();
  await ensurePartitions(ds, loggedAt);
  // Grouped and rendered before the transaction: under the chain lock only the hashing itself is left.
  const rowsOf = sets.map((s) => decisionRows(s.records));
  const lines = sets.map((s, i) => requestDigestLines(s.meta, rowsOf[i]));
  const rowCount = rowsOf.reduce((n, rows) => n + rows.length, 0);
  return ds.transaction(async (m) => {
    const [{ id: batchId }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
    const [{ first, last }] = await m.query(INSERT_ROWS, insertParams(batchId, loggedAt, sets, rowsOf));
    await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const [head] = await m.query('SELECT hash, chain_seq::text AS seq FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1');
    const prevHash: string = head?.hash ?? GENESIS_HASH;
    const chainSeq = (BigInt(head?.seq ?? 0) + 1n).toString();
    const hash = batchHashOfLines(prevHash, batchId, loggedAt, rowCount, lines);
    await m.query(
      `INSERT INTO access_log_batches (id, chain_seq, logged_at, prev_hash, hash, row_count, first_row_id, last_row_id)
       OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [batchId, chainSeq, loggedAt, prevHash, hash, rowCount, first, last],
    );
    return { batchId, hash, chainSeq };
  });
}

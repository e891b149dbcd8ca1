import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';
import { batchHashOfLines, CHAIN_LOCK, decisionJson, GENESIS_HASH, RequestMeta, requestDigestLines } from './chain';
import { ensurePartitions } from './partitions';
import { decisionRows } from './decision-rows';

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
 * The rows travel as two JSON documents, the requests and the decisions (each row's `decisionJson`,
 * the same text its hash line holds, so it is rendered once), plus each row's request number;
 * PostgreSQL unpacks them with json_to_recordset and splits the joined lists. V8's native
 * JSON.stringify is several times cheaper than pg's array serialiser, which escapes each element.
 */
const INSERT_ROWS = `
  WITH inserted AS (
    INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
                            customer_id, field_path, effect, reason, rule, categories, category_types, category_field_ends, fields)
    SELECT $1, $2, q.at, q.rid, q.caller, q.roles, q.purpose, q.just, q.addr, q.ph,
           d.c, d.p, d.e, d.r, d.u, string_to_array(d.g, E'\\x1f'), string_to_array(d.t, E'\\x1f'), string_to_array(d.x, ',')::int[],
           coalesce(string_to_array(d.f, E'\\x1f'), '{}')
    FROM ROWS FROM (json_to_recordset($3::json) AS (c text, p text, e text, r text, u text, g text, t text, x text, f text))
           WITH ORDINALITY AS d(c, p, e, r, u, g, t, x, f, n)
    JOIN unnest($5::int[]) WITH ORDINALITY AS w(q, n) ON w.n = d.n
    JOIN json_to_recordset($4::json) AS q(n int, at timestamptz, rid text, caller text, roles text[], purpose text, just text, addr text, ph text)
           ON q.n = w.q
    ORDER BY d.n
    RETURNING id)
  SELECT min(id)::text AS first, max(id)::text AS last FROM inserted`;

/** The statement's parameters: request columns once per request, each row's decision JSON and request number. */
function insertParams(batchId: string, loggedAt: Date, sets: readonly LogEntrySet[], encoded: readonly string[][]): unknown[] {
  const requestOfRow: number[] = [];
  encoded.forEach((rows, i) => {
    for (let k = 0; k < rows.length; k++) requestOfRow.push(i + 1);
  });
  const requests = sets.map(({ meta: m }, i) => ({
    n: i + 1, at: m.at.toISOString(), rid: m.requestId, caller: m.caller, roles: m.roles, purpose: m.purpose, just: m.justification, addr: m.clientAddress, ph: m.policyHash,
  }));
  return [batchId, loggedAt, `[${encoded.map((rows) => rows.join(',')).filter((j) => j !== '').join(',')}]`, JSON.stringify(requests), requestOfRow];
}

/** Writes one batch in its own transaction and returns its id, hash and place in the chain. */
export async function writeBatch(ds: DataSource, sets: readonly LogEntrySet[]): Promise<WrittenBatch> {
  const loggedAt = new Date();
  await ensurePartitions(ds, loggedAt);
  // Grouped and rendered before the transaction: under the chain lock only the hashing itself is left.
  const encoded = sets.map((s) => decisionRows(s.records).map(decisionJson));
  const lines = sets.map((s, i) => requestDigestLines(s.meta, encoded[i]));
  const rowCount = encoded.reduce((n, rows) => n + rows.length, 0);
  return ds.transaction(async (m) => {
    const [{ id: batchId }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
    const [{ first, last }] = await m.query(INSERT_ROWS, insertParams(batchId, loggedAt, sets, encoded));
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

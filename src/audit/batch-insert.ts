import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';
import { batchHashOfLines, CHAIN_LOCK, GENESIS_HASH, RequestMeta, requestDigestLines } from './chain';
import { ensurePartitions } from './partitions';

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
 * Values shared by a request's rows (time, caller, roles, purpose, ...) travel once per request
 * and are joined to the rows in the INSERT; only the decision itself travels per row.
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

/** A text[] literal: unnest() would flatten a real 2-D array, and rows have lists of different lengths. */
function pgTextArray(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i) out += ',';
    out += '"' + values[i].replace(/[\\"]/g, '\\$&') + '"';
  }
  return out + '}';
}

const INSERT_ROWS = `
  WITH inserted AS (
    INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
                            customer_id, type_name, field_path, fields, category, effect, reason, rule)
    SELECT $1, $2, q.at, q.rid, q.caller, q.roles::text[], q.purpose, q.just, q.addr, q.ph,
           d.cid, d.tname, d.path, d.fields::text[], d.cat, d.effect, d.reason, d.rule
    FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
           WITH ORDINALITY AS d(req, cid, tname, path, fields, cat, effect, reason, rule, n)
    JOIN unnest($12::timestamptz[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[])
           WITH ORDINALITY AS q(at, rid, caller, roles, purpose, just, addr, ph, n) ON q.n = d.req
    ORDER BY d.n
    RETURNING id)
  SELECT min(id)::text AS first, max(id)::text AS last FROM inserted`;

/** The statement's parameters: request columns once per request, decision columns once per row. */
function insertParams(batchId: string, loggedAt: Date, sets: readonly LogEntrySet[]): unknown[] {
  const req: number[] = [];
  const cid: (string | null)[] = [];
  const tname: string[] = [];
  const path: string[] = [];
  const fields: string[] = [];
  const cat: string[] = [];
  const effect: string[] = [];
  const reason: (string | null)[] = [];
  const rule: (string | null)[] = [];
  sets.forEach((s, i) => {
    for (const d of s.records) {
      req.push(i + 1);
      cid.push(d.customerId);
      tname.push(d.typeName);
      path.push(d.recordPath);
      fields.push(pgTextArray(d.fields));
      cat.push(d.category);
      effect.push(d.effect);
      reason.push(d.reason);
      rule.push(d.rule);
    }
  });
  const metas = sets.map((s) => s.meta);
  return [
    batchId, loggedAt, req, cid, tname, path, fields, cat, effect, reason, rule,
    metas.map((m) => m.at), metas.map((m) => m.requestId), metas.map((m) => m.caller), metas.map((m) => pgTextArray(m.roles)),
    metas.map((m) => m.purpose), metas.map((m) => m.justification), metas.map((m) => m.clientAddress), metas.map((m) => m.policyHash),
  ];
}

/** Writes one batch in its own transaction and returns its id, hash and place in the chain. */
export async function writeBatch(ds: DataSource, sets: readonly LogEntrySet[]): Promise<WrittenBatch> {
  const loggedAt = new Date();
  await ensurePartitions(ds, loggedAt);
  // Rendered before the transaction: under the chain lock only the hashing itself is left.
  const lines = sets.map((s) => requestDigestLines(s.meta, s.records));
  const rowCount = sets.reduce((n, s) => n + s.records.length, 0);
  return ds.transaction(async (m) => {
    const [{ id: batchId }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
    const [{ first, last }] = await m.query(INSERT_ROWS, insertParams(batchId, loggedAt, sets));
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

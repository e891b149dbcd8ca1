import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';
import { ensurePartitions } from './partitions';
import { log } from '../log';
import { requestStats } from '../http/request-context';

/**
 * The access-log writer: group commit with a bounded queue and a hash chain.
 *
 * Requests append their decisions and wait; one flush at a time takes everything queued and
 * writes it as one batch in one transaction (one multi-row INSERT plus one batch row), so
 * concurrent requests share the cost of a commit. A request's promise resolves only after its
 * batch committed: the HTTP layer sends personal data only then. If the write fails, every
 * request in the batch is rejected (AUDIT_UNAVAILABLE upstream); nothing is dropped or retried
 * behind the caller's back. When the queue holds `maxQueuedRows`, new appends wait for room
 * up to `queueTimeoutMs`, then are refused. An append not committed within `commitTimeoutMs`
 * is refused too (AUDIT_UNAVAILABLE upstream, no data sent): a database that stopped answering
 * without closing its connections, or a replica that holds the chain lock and is gone, cannot
 * hold requests forever. Its rows may still commit later: the log may then name a read whose
 * answer was withheld, never the other way round.
 *
 * Chain: each batch's hash covers the previous batch's hash and every row of the batch
 * (canonical JSON, see `rowDigestInput`). A transaction-scoped advisory lock serialises batches
 * across replicas, so the chain stays linear with several writers on one database.
 */
export interface RequestMeta {
  requestId: string;
  caller: string;
  roles: readonly string[];
  purpose: string | null;
  justification: string | null;
  clientAddress: string | null;
  policyHash: string;
  at: Date;
}

/** One access-log row: the request's metadata and one decision. */
export interface LogRow extends RequestMeta {
  customerId: string | null;
  typeName: string;
  fieldPath: string;
  fields: readonly string[];
  category: string;
  effect: string;
  reason: string | null;
  rule: string | null;
}

export interface AccessLogWriter {
  /** Resolves once the entries are committed; rejects if they could not be. */
  append(meta: RequestMeta, records: readonly DecisionRecord[]): Promise<void>;
  /** Waits for queued entries to be written. */
  close(): Promise<void>;
}

export const GENESIS_HASH = '0'.repeat(64);
const CHAIN_LOCK = 7_246_531; // pg_advisory_xact_lock key shared by every gateway process

/** The exact text a row contributes to its batch hash; `npm run audit -- verify` rebuilds it from the table. */
export function rowDigestInput(r: LogRow): string {
  return JSON.stringify([
    r.at.toISOString(), r.requestId, r.caller, [...r.roles], r.purpose, r.justification, r.clientAddress, r.policyHash,
    r.customerId, r.typeName, r.fieldPath, [...r.fields], r.category, r.effect, r.reason, r.rule,
  ]);
}

export function batchHash(prevHash: string, batchId: string, loggedAt: Date, rows: readonly LogRow[]): string {
  const h = createHash('sha256');
  h.update(`${prevHash}\n${batchId}\n${loggedAt.toISOString()}\n${rows.length}\n`);
  for (const r of rows) h.update(rowDigestInput(r) + '\n');
  return h.digest('hex');
}

export function toRows(meta: RequestMeta, records: readonly DecisionRecord[]): LogRow[] {
  return records.map((d) => ({
    at: meta.at, requestId: meta.requestId, caller: meta.caller, roles: meta.roles, purpose: meta.purpose, justification: meta.justification,
    clientAddress: meta.clientAddress, policyHash: meta.policyHash, customerId: d.customerId, typeName: d.typeName, fieldPath: d.recordPath,
    fields: d.fields, category: d.category, effect: d.effect, reason: d.reason, rule: d.rule,
  }));
}

/** Writes one batch in its own transaction and returns its id and hash. */
export async function writeBatch(ds: DataSource, rows: readonly LogRow[]): Promise<{ batchId: string; hash: string }> {
  return ds.transaction(async (m) => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const loggedAt = new Date();
    await ensurePartitions(m, loggedAt);
    const [prev] = await m.query('SELECT hash FROM access_log_batches ORDER BY id DESC LIMIT 1');
    const [{ id: batchId }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
    const hash = batchHash(prev?.hash ?? GENESIS_HASH, batchId, loggedAt, rows);
    const col = <K extends keyof LogRow>(k: K) => rows.map((r) => r[k]);
    const ids: { id: string }[] = await m.query(
      `INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
         customer_id, type_name, field_path, fields, category, effect, reason, rule)
       SELECT $1, $2, u.at, u.rid, u.caller, ARRAY(SELECT jsonb_array_elements_text(u.roles::jsonb)), u.purpose, u.just, u.addr, u.ph,
              u.cid, u.t, u.p, ARRAY(SELECT jsonb_array_elements_text(u.f::jsonb)), u.cat, u.e, u.r, u.ru
       FROM unnest($3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                   $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
            WITH ORDINALITY AS u(at, rid, caller, roles, purpose, just, addr, ph, cid, t, p, f, cat, e, r, ru, n)
       ORDER BY u.n
       RETURNING id::text`,
      [
        // Arrays travel as JSON text: unnest() would flatten a 2-D array, and commas may occur in paths.
        batchId, loggedAt, col('at'), col('requestId'), col('caller'), rows.map((r) => JSON.stringify(r.roles)), col('purpose'), col('justification'),
        col('clientAddress'), col('policyHash'), col('customerId'), col('typeName'), col('fieldPath'), rows.map((r) => JSON.stringify(r.fields)),
        col('category'), col('effect'), col('reason'), col('rule'),
      ],
    );
    await m.query(
      `INSERT INTO access_log_batches (id, logged_at, prev_hash, hash, row_count, first_row_id, last_row_id) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [batchId, loggedAt, prev?.hash ?? GENESIS_HASH, hash, rows.length, ids[0]?.id ?? null, ids[ids.length - 1]?.id ?? null],
    );
    return { batchId, hash };
  });
}

interface Pending {
  rows: LogRow[];
  resolve(): void;
  reject(err: unknown): void;
}

export function createGroupCommitWriter(
  ds: DataSource,
  opts: { maxQueuedRows?: number; maxBatchRows?: number; queueTimeoutMs?: number; commitTimeoutMs?: number } = {},
): AccessLogWriter {
  const maxQueuedRows = opts.maxQueuedRows ?? 200_000;
  const maxBatchRows = opts.maxBatchRows ?? 20_000;
  const queueTimeoutMs = opts.queueTimeoutMs ?? 5_000;
  const commitTimeoutMs = opts.commitTimeoutMs ?? 15_000;
  let queue: Pending[] = [];
  let queuedRows = 0;
  let flushing: Promise<void> | null = null;
  const waitingForRoom: (() => void)[] = [];

  async function flushLoop(): Promise<void> {
    while (queue.length) {
      const batch: Pending[] = [];
      let n = 0;
      while (queue.length && (batch.length === 0 || n + queue[0].rows.length <= maxBatchRows)) {
        const p = queue.shift()!;
        batch.push(p);
        n += p.rows.length;
      }
      queuedRows -= n;
      try {
        await writeBatch(ds, batch.flatMap((p) => p.rows));
        for (const p of batch) p.resolve();
      } catch (err) {
        log.error('access-log batch failed', { requests: batch.length, rows: n, error: (err as { code?: string }).code ?? 'unknown' });
        for (const p of batch) p.reject(err);
      }
      while (waitingForRoom.length && queuedRows < maxQueuedRows) waitingForRoom.shift()!();
    }
  }

  function kick(): void {
    if (!flushing) {
      flushing = flushLoop().finally(() => {
        flushing = null;
        if (queue.length) kick();
      });
    }
  }

  /** Reserves room for `rows` in the queue; the check and the reservation happen in one synchronous step. */
  async function reserve(rows: number): Promise<void> {
    const deadline = Date.now() + queueTimeoutMs;
    for (;;) {
      if (queuedRows + rows <= maxQueuedRows || queuedRows === 0) {
        queuedRows += rows;
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('access-log queue full');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waitingForRoom.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  return {
    async append(meta, records) {
      if (!records.length) return;
      const rows = toRows(meta, records);
      await reserve(rows.length);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('access-log commit timed out')), commitTimeoutMs);
        queue.push({
          rows,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
        // The flush is shared by many requests: it runs outside this request's async context,
        // so its statements are not counted as this request's (x-sql-statements).
        requestStats.exit(kick);
      });
    },
    async close() {
      while (flushing) await flushing;
      queue = [];
    },
  };
}

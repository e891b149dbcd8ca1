import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';
import { RequestMeta } from './chain';
import { LogEntrySet, writeBatch } from './batch-insert';
import { log } from '../log';
import { requestStats } from '../http/request-context';

/**
 * The access-log writer: group commit with a bounded queue.
 *
 * Requests append their decisions and wait; a writer takes everything queued and writes it as one
 * batch in one transaction (batch-insert.ts), so concurrent requests share the cost of a commit.
 * Up to `maxWriters` batches are written at once, so PostgreSQL inserts on more than one core;
 * a second batch starts beside a running one only when enough rows wait to be worth a commit
 * of their own. A request's promise resolves only after its batch committed: the HTTP layer sends
 * personal data only then. If the write fails, every request in the batch is rejected
 * (AUDIT_UNAVAILABLE upstream); nothing is dropped or retried behind the caller's back. When the
 * queue holds `maxQueuedRows`, new appends wait for room up to `queueTimeoutMs`, then are refused.
 * An append not committed within `commitTimeoutMs` is refused too (AUDIT_UNAVAILABLE upstream, no
 * data sent): a database that stopped answering without closing its connections, or a replica
 * that holds the chain lock and is gone, cannot hold requests forever. Its rows may still commit
 * later: the log may then name a read whose answer was withheld, never the other way round.
 */
export type { RequestMeta } from './chain';

export interface AccessLogWriter {
  /** Resolves once the entries are committed; rejects if they could not be. */
  append(meta: RequestMeta, records: readonly DecisionRecord[]): Promise<void>;
  /** Waits for queued entries to be written. */
  close(): Promise<void>;
}

export interface GroupCommitOptions {
  maxQueuedRows?: number;
  maxBatchRows?: number;
  queueTimeoutMs?: number;
  commitTimeoutMs?: number;
  /** Batches written at once (default 2: this machine's two cores; more only adds commits). */
  maxWriters?: number;
  /** Rows that must wait before a second batch starts beside a running one. */
  minOverlapRows?: number;
  /**
   * Bound of each statement of a batch (default: commitTimeoutMs), on its own connection instead
   * of the pool's request bound (src/stores/statement-bound.ts): a batch that is merely slow under
   * load is not cut, and one sent to a server that stopped answering frees its connection.
   */
  statementTimeoutMs?: number;
}

interface Pending {
  set: LogEntrySet;
  resolve(): void;
  reject(err: unknown): void;
}

export function createGroupCommitWriter(
  ds: DataSource,
  opts: GroupCommitOptions = {},
): AccessLogWriter {
  const maxQueuedRows = opts.maxQueuedRows ?? 200_000;
  const maxBatchRows = opts.maxBatchRows ?? 20_000;
  const queueTimeoutMs = opts.queueTimeoutMs ?? 5_000;
  const commitTimeoutMs = opts.commitTimeoutMs ?? 15_000;
  const maxWriters = opts.maxWriters ?? 2;
  const minOverlapRows = opts.minOverlapRows ?? 1_000;
  const statementTimeoutMs = opts.statementTimeoutMs ?? commitTimeoutMs;
  let queue: Pending[] = [];
  let queuedRows = 0; // reserved or queued, not yet taken into a batch
  let rowsInQueue = 0; // queued, not yet taken
  const inFlight = new Set<Promise<void>>();
  const waitingForRoom: (() => void)[] = [];

  function takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let n = 0;
    while (queue.length && (batch.length === 0 || n + queue[0].set.records.length <= maxBatchRows)) {
      const p = queue.shift()!;
      batch.push(p);
      n += p.set.records.length;
    }
    queuedRows -= n;
    rowsInQueue -= n;
    return batch;
  }

  async function flush(batch: Pending[]): Promise<void> {
    try {
      await writeBatch(ds, batch.map((p) => p.set), { statementTimeoutMs });
      for (const p of batch) p.resolve();
    } catch (err) {
      const rows = batch.reduce((n, p) => n + p.set.records.length, 0);
      log.error('access-log batch failed', { requests: batch.length, rows, error: (err as { code?: string }).code ?? 'unknown' });
      for (const p of batch) p.reject(err);
    }
  }

  /**
   * Starts batches while there is work and a free writer. A second batch starts beside a running
   * one only once enough rows wait to make it worth its own commit; otherwise they wait for the
   * running batch to end and go out together (fewer, larger batches are cheaper per row).
   */
  function kick(): void {
    while (queue.length && inFlight.size < maxWriters && (inFlight.size === 0 || rowsInQueue >= minOverlapRows)) {
      const running: Promise<void> = flush(takeBatch()).finally(() => {
        inFlight.delete(running);
        while (waitingForRoom.length && queuedRows < maxQueuedRows) waitingForRoom.shift()!();
        kick();
      });
      inFlight.add(running);
      while (waitingForRoom.length && queuedRows < maxQueuedRows) waitingForRoom.shift()!();
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
      await reserve(records.length);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('access-log commit timed out')), commitTimeoutMs);
        rowsInQueue += records.length;
        queue.push({
          set: { meta, records },
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
      while (inFlight.size) await Promise.all(inFlight);
      queue = [];
    },
  };
}

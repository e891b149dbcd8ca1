import { DataSource } from 'typeorm';
import { expiryCutoff } from '../policy/duration';
import { Duration } from '../policy/pack.types';
import { monthStart } from './partitions';

/**
 * Pruning the access log (`npm run audit -- prune --before YYYY-MM-DD`): the only way rows leave.
 *
 * Whole month partitions go, never single rows: a partition is dropped when its upper bound is at
 * or before `before`. Refused when an entry logged before `before` could still be within the
 * pack's access_log_retention (two years when the pack sets none), by the calendar rule. The
 * current month's partition is never dropped. Each drop is recorded in access_log_prunes in the
 * transaction that drops it, one transaction per partition, so an interrupted prune leaves every
 * partition either dropped and recorded or untouched. The batches (access_log_batches) stay:
 * `verifyChain` starts after the pruned range and trusts the first kept batch's prev_hash.
 *
 * Rows in access_log_default cannot be dropped by partition; those older than `before` are
 * counted and reported, never deleted.
 *
 * DROP TABLE on a partition locks the parent access_log exclusively, which holds up the
 * gateway's log writes (and so its responses) while it waits; `lock_timeout` bounds that wait.
 */
export const DEFAULT_ACCESS_LOG_RETENTION: Duration = { iso: 'P2Y', years: 2, months: 0, days: 0 };
const LOCK_TIMEOUT = '5s';

export interface PruneOptions {
  /** Partitions whose range ends at or before this instant are dropped. */
  before: Date;
  /** The pack's access_log_retention; null = the default of two years. */
  retention: Duration | null;
  now: Date;
  /** Who prunes, recorded in access_log_prunes.pruned_by. */
  by: string;
}

export interface PrunedPartition {
  name: string;
  rangeStart: Date;
  rangeEnd: Date;
  rows: number;
}

export interface PruneResult {
  dropped: PrunedPartition[];
  /** Rows in access_log_default logged before `before`: not pruned (rows leave only with their month partition). */
  defaultRowsBefore: number;
}

/** A prune that the retention rule forbids. */
export class PruneRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PruneRefused';
  }
}

/** The latest `before` the retention allows: every entry logged before it has reached the end of its retention (the calendar rule, policy/duration.ts). */
export function pruneLimit(now: Date, retention: Duration | null): Date {
  return expiryCutoff(now, retention ?? DEFAULT_ACCESS_LOG_RETENTION);
}

interface PartitionRow {
  name: string;
  range_start: Date | null;
  range_end: Date | null;
  is_default: boolean;
}

/** The partitions of access_log with their bounds (null for the default partition). */
export async function accessLogPartitions(ds: DataSource): Promise<PartitionRow[]> {
  // The bound renders as FOR VALUES FROM ('2026-01-01 07:00:00+07') TO (...), in the session's
  // time zone with its offset: PostgreSQL parses it back, so the zone does not matter.
  return ds.query(
    `SELECT c.relname AS name,
            (regexp_match(b.bound, $$FROM \\('([^']+)'\\)$$))[1]::timestamptz AS range_start,
            (regexp_match(b.bound, $$TO \\('([^']+)'\\)$$))[1]::timestamptz AS range_end,
            b.bound = 'DEFAULT' AS is_default
     FROM pg_inherits i
     JOIN pg_class c ON c.oid = i.inhrelid
     CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b
     WHERE i.inhparent = 'access_log'::regclass
     ORDER BY range_start NULLS LAST, c.relname`,
  );
}

const day = (d: Date) => d.toISOString().slice(0, 10);

export async function pruneAccessLog(ds: DataSource, opts: PruneOptions): Promise<PruneResult> {
  const { before, retention, now, by } = opts;
  if (Number.isNaN(before.getTime()) || Number.isNaN(now.getTime())) throw new Error('prune: before and now must be valid dates');
  if (!by.trim()) throw new Error('prune: who prunes (by) is required');
  const limit = pruneLimit(now, retention);
  if (before.getTime() > limit.getTime()) {
    const rule = retention
      ? `the policy pack keeps the access log for ${retention.iso} (access_log_retention)`
      : 'the policy pack sets no access_log_retention, so the default of 2 years (P2Y) applies';
    throw new PruneRefused(`refusing to prune before ${day(before)}: ${rule}, so nothing logged after ${limit.toISOString()} may be pruned`);
  }
  const currentMonth = monthStart(now);
  const candidates = (await accessLogPartitions(ds)).filter(
    (p) => !p.is_default && p.range_end !== null && p.range_end.getTime() <= before.getTime() && p.range_end.getTime() <= currentMonth.getTime(),
  );

  const dropped: PrunedPartition[] = [];
  for (const p of candidates) {
    const done = await ds.transaction(async (m) => {
      await m.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      // Re-check under the lock: another prune may have dropped it meanwhile.
      const [still] = await m.query(
        `SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass AND c.relname = $1`, [p.name]);
      if (!still) return null;
      const table = `"${p.name.replace(/"/g, '""')}"`;
      await m.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      const [{ rows }] = await m.query(`SELECT count(*)::bigint::text AS rows FROM ${table}`);
      await m.query(
        `INSERT INTO access_log_prunes (partition_name, range_start, range_end, row_count, pruned_by) VALUES ($1, $2, $3, $4, $5)`,
        [p.name, p.range_start, p.range_end, rows, by],
      );
      await m.query(`DROP TABLE ${table}`);
      return { name: p.name, rangeStart: p.range_start!, rangeEnd: p.range_end!, rows: Number(rows) };
    });
    if (done) dropped.push(done);
  }

  let defaultRowsBefore = 0;
  const defaultPartition = (await accessLogPartitions(ds)).find((p) => p.is_default);
  if (defaultPartition) {
    [{ rows: defaultRowsBefore }] = await ds.query(
      `SELECT count(*)::int AS rows FROM "${defaultPartition.name.replace(/"/g, '""')}" WHERE logged_at < $1`, [before]);
  }
  return { dropped, defaultRowsBefore };
}

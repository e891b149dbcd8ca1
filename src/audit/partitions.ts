import { DataSource, EntityManager } from 'typeorm';

/**
 * Month partitions of access_log (by `logged_at`, UTC). The writer makes sure this month's and
 * next month's exist before it writes, so rows land in their month, never in the default
 * partition. Checked once per month per DataSource, in a transaction of its own before the batch's:
 * creating a partition locks access_log, and a batch transaction that had already inserted rows and
 * now waited for the chain lock could otherwise deadlock with one creating it. An advisory lock of
 * its own makes two writers (or replicas) create a month once.
 */
const ensuredFor = new WeakMap<DataSource, string>();
const PARTITION_LOCK = 7_246_532;

export function monthStart(d: Date, add = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
}

export function partitionName(start: Date): string {
  return `access_log_${start.getUTCFullYear()}_${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** `on`: the connection to do it on (the writer's, with its statement bound); by default one of the pool's. */
export async function ensurePartitions(ds: DataSource, now: Date, on: EntityManager = ds.manager): Promise<void> {
  const key = partitionName(monthStart(now));
  if (ensuredFor.get(ds) === key) return;
  await on.transaction((m) => createMonths(m, now));
  ensuredFor.set(ds, key);
}

async function createMonths(m: EntityManager, now: Date): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
  // Only the owner may add a partition: access_log_create_month (migration RuntimeRole) does it
  // with the owner's rights, for the gateway's runtime role, which owns nothing.
  for (const add of [0, 1]) await m.query('SELECT access_log_create_month($1)', [monthStart(now, add)]);
}

/**
 * Row triggers on access_log reach its partitions, but TRUNCATE triggers and REVOKEs on the
 * parent do not: each partition gets its own, or a month could be emptied with one statement.
 * access_log_create_month does the same for the partitions the writer creates; this is for a
 * partition made by hand (the query bench's history).
 */
export async function protectPartition(m: Pick<EntityManager, 'query'>, name: string): Promise<void> {
  await m.query(`CREATE TRIGGER ${name}_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION forbid_log_change()`);
  await m.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${name} FROM PUBLIC, CURRENT_USER`);
}

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

export async function ensurePartitions(ds: DataSource, now: Date): Promise<void> {
  const key = partitionName(monthStart(now));
  if (ensuredFor.get(ds) === key) return;
  await ds.transaction((m) => createMonths(m, now));
  ensuredFor.set(ds, key);
}

async function createMonths(m: EntityManager, now: Date): Promise<void> {
  await m.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
  for (const add of [0, 1]) {
    const start = monthStart(now, add);
    const end = monthStart(now, add + 1);
    const name = partitionName(start);
    const [exists] = await m.query(`SELECT 1 FROM pg_class WHERE relname = $1`, [name]);
    if (!exists) {
      await m.query(`CREATE TABLE ${name} PARTITION OF access_log FOR VALUES FROM ('${start.toISOString()}') TO ('${end.toISOString()}')`);
      await protectPartition(m, name);
    }
  }
}

/**
 * Row triggers on access_log reach its partitions, but TRUNCATE triggers and REVOKEs on the
 * parent do not: each partition gets its own, or the gateway's connection (which owns the
 * partitions it creates) could empty a month with one statement.
 */
export async function protectPartition(m: Pick<EntityManager, 'query'>, name: string): Promise<void> {
  await m.query(`CREATE TRIGGER ${name}_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION forbid_log_change()`);
  await m.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${name} FROM PUBLIC, CURRENT_USER`);
}

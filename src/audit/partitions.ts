import { EntityManager } from 'typeorm';

/**
 * Month partitions of access_log (by `logged_at`, UTC). The writer makes sure this month's and
 * next month's exist before it writes, so rows land in their month, never in the default
 * partition. Checked once per month per DataSource.
 */
const ensuredFor = new WeakMap<object, string>();

export function monthStart(d: Date, add = 0): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1));
}

export function partitionName(start: Date): string {
  return `access_log_${start.getUTCFullYear()}_${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
}

export async function ensurePartitions(m: EntityManager, now: Date): Promise<void> {
  const key = partitionName(monthStart(now));
  if (ensuredFor.get(m.connection) === key) return;
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
  ensuredFor.set(m.connection, key);
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

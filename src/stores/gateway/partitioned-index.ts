import { QueryRunner } from 'typeorm';

/**
 * Creates an index on the partitioned access_log without blocking the log writer: a plain CREATE
 * INDEX on the partitioned table would lock it for the whole build (minutes on a large log), and
 * every request that reads personal data fails closed (AUDIT_UNAVAILABLE) while it waits. So: an
 * invalid index ON ONLY the parent, each existing partition's index built CONCURRENTLY and
 * attached; the parent's index becomes valid when the last one is attached. Partitions created
 * meanwhile (the writer creates each month's) get the index from the parent. Re-runnable after a
 * failure: an index left invalid by an interrupted CONCURRENTLY build is dropped and rebuilt.
 * The calling migration must run outside a transaction (`transaction = false`).
 */
export async function createLogIndex(q: QueryRunner, ix: { name: string; suffix: string; definition: string }): Promise<void> {
  await q.query(`CREATE INDEX IF NOT EXISTS ${ix.name} ON ONLY access_log ${ix.definition}`);
  const partitions: { name: string }[] = await q.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'access_log'::regclass AND c.relkind = 'r' ORDER BY c.relname`);
  for (const { name: partition } of partitions) {
    const [attached] = await q.query(
      `SELECT 1 FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid
       WHERE i.inhparent = $1::regclass AND x.indrelid = $2::regclass`, [ix.name, partition]);
    if (attached) continue; // created with the partition, or attached by an earlier run
    const index = `${partition}_${ix.suffix}`;
    const [existing] = await q.query(`SELECT x.indisvalid AS valid FROM pg_index x WHERE x.indexrelid = to_regclass($1)`, [index]);
    if (existing && !existing.valid) await q.query(`DROP INDEX CONCURRENTLY ${index}`);
    await q.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${partition} ${ix.definition}`);
    await q.query(`ALTER INDEX ${ix.name} ATTACH PARTITION ${index}`);
  }
}

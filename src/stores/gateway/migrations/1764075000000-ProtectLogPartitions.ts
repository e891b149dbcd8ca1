import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TRUNCATE triggers and REVOKEs on a partitioned table do not reach its partitions: protect the
 * default partition and every month partition that already exists (new ones are protected by
 * the writer as it creates them, src/audit/partitions.ts).
 */
export class ProtectLogPartitions1764075000000 implements MigrationInterface {
  name = 'ProtectLogPartitions1764075000000';

  async up(q: QueryRunner): Promise<void> {
    const parts: { name: string }[] = await q.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'access_log'`);
    for (const { name } of parts) {
      const [has] = await q.query(`SELECT 1 FROM pg_trigger WHERE tgname = $1`, [`${name}_no_truncate`]);
      if (!has) await q.query(`CREATE TRIGGER ${name}_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION forbid_log_change()`);
      await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON ${name} FROM PUBLIC, CURRENT_USER`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const parts: { name: string }[] = await q.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'access_log'`);
    for (const { name } of parts) await q.query(`DROP TRIGGER IF EXISTS ${name}_no_truncate ON ${name}`);
  }
}

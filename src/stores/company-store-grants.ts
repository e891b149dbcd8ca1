import { QueryRunner } from 'typeorm';
import { runtimeRoleForMigration } from './runtime-role';

/**
 * What the gateway's runtime role needs in a store of the company's (CRM, billing): it reads every
 * table, and erasure, rectification and the retention sweep update and delete rows
 * (src/rights/*; `SELECT ... FOR UPDATE` needs UPDATE too). It inserts nothing there: the demo data
 * and `npm run seed` write as the owner. typeorm_migrations is read only (`/readyz`).
 *
 * In production these stores belong to the company and its DBA grants the same by hand (README,
 * "For security teams"); the migrations here do it for the stores this repository creates.
 */
export async function grantCompanyStore(q: QueryRunner): Promise<void> {
  const role = await runtimeRoleForMigration(q);
  const [{ schema }] = await q.query(`SELECT quote_ident(current_schema()) AS schema`);
  const tables: { name: string }[] = await q.query(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'typeorm_migrations' ORDER BY tablename`);
  await q.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
  await q.query(`GRANT SELECT, UPDATE, DELETE ON ${tables.map((t) => t.name).join(', ')} TO ${role}`);
  await q.query(`GRANT SELECT ON typeorm_migrations TO ${role}`);
}

export async function revokeCompanyStore(q: QueryRunner): Promise<void> {
  const role = await runtimeRoleForMigration(q);
  const [{ schema }] = await q.query(`SELECT quote_ident(current_schema()) AS schema`);
  await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
  await q.query(`REVOKE USAGE ON SCHEMA ${schema} FROM ${role}`);
}

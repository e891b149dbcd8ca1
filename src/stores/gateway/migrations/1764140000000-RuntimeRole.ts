import { MigrationInterface, QueryRunner } from 'typeorm';
import { runtimeRoleForMigration } from '../../runtime-role';

/**
 * Two roles (issue 15, item 1). Until now the gateway connected as the role that ran these
 * migrations: it owned the access log, so it could disable the insert-only triggers, grant itself
 * DELETE and cut the newest batches. From here on the migrations run as the **owner** and the
 * gateway as the **runtime role** (GATEWAY_RUNTIME_ROLE, default privacy_gateway_app), which owns
 * nothing and gets exactly what the request path uses:
 *
 * - SELECT, INSERT on the access log and its batches, and on the gateway's append-only histories
 *   (consents, objections, restrictions, rectifications, erasures, rights requests, receipts);
 * - DELETE on rectification_values only: a corrected value is personal data and leaves the
 *   gateway once written to its store or discarded by an erasure (src/rights/rectification.service.ts);
 * - SELECT on access_log_prunes, the views and typeorm_migrations (`/readyz` asks whether a
 *   migration is pending); USAGE on the batches' id sequence (a batch takes its id first);
 * - EXECUTE on access_log_create_month, below. No UPDATE, DELETE, TRUNCATE or TRIGGER anywhere
 *   else, and no grant option: `/readyz` and start-up refuse a role that has one (src/stores/runtime-role.ts).
 *
 * The writer creates each month's partition of access_log ahead of time (src/audit/partitions.ts),
 * and only a table's owner may add a partition to it. access_log_create_month does that one thing
 * with the owner's rights (SECURITY DEFINER, a fixed search_path, time zone and date style, so a
 * caller's settings cannot redirect it): it creates the month's partition if missing, with the same
 * no-truncate trigger and revokes as before, and nothing else. EXECUTE is revoked from PUBLIC.
 *
 * access_log_link (migration AccessLogChainDigest) stays SECURITY INVOKER: it only reads the head
 * and inserts a batch, which the runtime role may do anyway, so running it with the owner's rights
 * would add power and nothing else. Pruning drops whole partitions; that is the owner's, done by
 * `npm run audit -- prune` with the owner's connection.
 *
 * Idempotent: GRANT and REVOKE of what is already so change nothing, and the function is
 * CREATE OR REPLACE, so it can run again with another GATEWAY_RUNTIME_ROLE (down, then up).
 */
const APPEND_ONLY = [
  'access_log', 'access_log_batches', 'consent_events', 'objection_events', 'restriction_events', 'rectification_events', 'erasures',
  'rights_requests', 'rights_request_events', 'rectification_requests', 'rectification_values', 'rectification_resolutions', 'erasure_receipts',
];
const READ_ONLY = ['access_log_prunes', 'access_log_entries', 'rights_request_status', 'typeorm_migrations'];

export class RuntimeRole1764140000000 implements MigrationInterface {
  name = 'RuntimeRole1764140000000';

  async up(q: QueryRunner): Promise<void> {
    const role = await runtimeRoleForMigration(q);
    const [{ schema }] = await q.query(`SELECT quote_ident(current_schema()) AS schema`);
    await q.query(`
      CREATE OR REPLACE FUNCTION access_log_create_month(p_month_start timestamptz) RETURNS boolean
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = ${schema}, pg_temp SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
      AS $$
      DECLARE
        v_start timestamptz := date_trunc('month', p_month_start);
        v_name text := 'access_log_' || to_char(v_start, 'YYYY_MM');
      BEGIN
        IF p_month_start IS NULL OR p_month_start <> v_start THEN
          RAISE EXCEPTION 'access_log_create_month: % is not the start of a month (UTC)', p_month_start;
        END IF;
        IF to_regclass(v_name) IS NOT NULL THEN
          RETURN false;
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF access_log FOR VALUES FROM (%L) TO (%L)', v_name, v_start, v_start + interval '1 month');
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION forbid_log_change()', v_name || '_no_truncate', v_name);
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM PUBLIC, CURRENT_USER', v_name);
        RETURN true;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION access_log_create_month(timestamptz) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION access_log_create_month(timestamptz) TO ${role}`);

    await q.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await q.query(`GRANT SELECT, INSERT ON ${APPEND_ONLY.join(', ')} TO ${role}`);
    await q.query(`GRANT DELETE ON rectification_values TO ${role}`);
    await q.query(`GRANT SELECT ON ${READ_ONLY.join(', ')} TO ${role}`);
    await q.query(`GRANT USAGE ON SEQUENCE ${await batchSequence(q)} TO ${role}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const role = await runtimeRoleForMigration(q);
    const [{ schema }] = await q.query(`SELECT quote_ident(current_schema()) AS schema`);
    await q.query(`REVOKE ALL ON ${[...APPEND_ONLY, ...READ_ONLY].join(', ')} FROM ${role}`);
    await q.query(`REVOKE ALL ON SEQUENCE ${await batchSequence(q)} FROM ${role}`);
    await q.query(`REVOKE USAGE ON SCHEMA ${schema} FROM ${role}`);
    await q.query(`DROP FUNCTION IF EXISTS access_log_create_month(timestamptz)`);
  }
}

async function batchSequence(q: QueryRunner): Promise<string> {
  const [{ seq }] = await q.query(`SELECT pg_get_serial_sequence('access_log_batches', 'id') AS seq`);
  return seq;
}

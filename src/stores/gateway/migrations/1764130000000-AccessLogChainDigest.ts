import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batch takes its place in the hash chain in one statement: `access_log_link` (hash format 2).
 *
 * Before: under the chain lock the writer read the head, hashed the previous hash with every row
 * line of the batch in the gateway, and inserted the batch: three round trips and the batch's
 * hashing while every other writer waited for the lock. Now the writer hashes the batch's content
 * (its rows as sent, src/audit/batch-content.ts) before the lock, and this function takes the
 * lock, reads the head, hashes the previous hash with the batch's header (id, logged_at, row
 * count, content digest: a few hundred bytes) and inserts the batch, in one round trip.
 *
 * The function is VOLATILE plpgsql, so in READ COMMITTED each of its statements takes a fresh
 * snapshot: the head it reads after the lock is the one the last holder of the lock committed.
 * (One plain SQL statement could not do that: its snapshot would predate the lock.) Under
 * REPEATABLE READ or SERIALIZABLE (a database whose default was changed) the snapshot would be the
 * transaction's, taken before the lock, so the function refuses to run: the batch fails, and its
 * requests with it (AUDIT_UNAVAILABLE), instead of two batches claiming one place. It runs
 * with the caller's rights, which may insert into access_log_batches and nothing more.
 *
 * `hash_format` says how a batch's hash was made: 1, the rows' lines (every batch written before
 * this migration, which keep it); 2, the content digest. verify-chain.ts checks each batch in its
 * own format. The lock key and the genesis hash are arguments, so they stay defined once, in
 * src/audit/chain.ts.
 */
export class AccessLogChainDigest1764130000000 implements MigrationInterface {
  name = 'AccessLogChainDigest1764130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log_batches ADD COLUMN hash_format smallint NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE access_log_batches ADD CONSTRAINT access_log_batches_hash_format CHECK (hash_format IN (1, 2))`);
    await q.query(`
      CREATE FUNCTION access_log_link(p_lock_key bigint, p_genesis text, p_batch_id bigint, p_logged_at timestamptz, p_header text,
                                      p_row_count int, p_first_row_id bigint, p_last_row_id bigint)
      RETURNS TABLE (hash text, chain_seq bigint)
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        head_hash text;
        head_seq bigint;
      BEGIN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
          RAISE EXCEPTION 'access_log_link runs in READ COMMITTED only: the chain head must be read after the lock';
        END IF;
        PERFORM pg_advisory_xact_lock(p_lock_key);
        SELECT b.hash, b.chain_seq INTO head_hash, head_seq FROM access_log_batches b ORDER BY b.chain_seq DESC LIMIT 1;
        hash := encode(sha256(convert_to(coalesce(head_hash, p_genesis) || E'\\n' || p_header, 'UTF8')), 'hex');
        chain_seq := coalesce(head_seq, 0) + 1;
        INSERT INTO access_log_batches (id, chain_seq, logged_at, prev_hash, hash, row_count, first_row_id, last_row_id, hash_format)
          OVERRIDING SYSTEM VALUE
          VALUES (p_batch_id, access_log_link.chain_seq, p_logged_at, coalesce(head_hash, p_genesis), access_log_link.hash, p_row_count, p_first_row_id, p_last_row_id, 2);
        RETURN NEXT;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS access_log_link(bigint, text, bigint, timestamptz, text, int, bigint, bigint)`);
    // Batches of format 2 cannot be re-hashed in format 1 (a migration never rewrites the log): down is for a log without them.
    await q.query(`ALTER TABLE access_log_batches DROP COLUMN hash_format`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The chain's order becomes its own column, chain_seq, instead of the batch id.
 *
 * Batches now insert their rows before they take the chain lock (src/audit/batch-insert.ts), so
 * two batches can be written at once; their ids are taken before the lock and no longer say
 * which was chained first. chain_seq is assigned under the lock (head + 1) and is unique, so the
 * database itself refuses two batches claiming one place in the chain.
 *
 * Existing batches were chained in id order: chain_seq = id. Setting it is the one UPDATE this
 * insert-only table ever sees, done here by its owner with the trigger briefly off, inside this
 * migration's transaction; chain_seq is not part of any hash, so no batch's hash changes.
 */
export class AccessLogChainOrder1764110000000 implements MigrationInterface {
  name = 'AccessLogChainOrder1764110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log_batches ADD COLUMN chain_seq bigint`);
    await q.query(`GRANT UPDATE ON access_log_batches TO CURRENT_USER`);
    await q.query(`ALTER TABLE access_log_batches DISABLE TRIGGER access_log_batches_insert_only`);
    await q.query(`UPDATE access_log_batches SET chain_seq = id`);
    await q.query(`ALTER TABLE access_log_batches ENABLE TRIGGER access_log_batches_insert_only`);
    await q.query(`REVOKE UPDATE ON access_log_batches FROM CURRENT_USER`);
    await q.query(`ALTER TABLE access_log_batches ALTER COLUMN chain_seq SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX access_log_batches_chain_seq_idx ON access_log_batches (chain_seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log_batches DROP COLUMN chain_seq`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One access-log row per (record, category) decision: `field_path` becomes the record's path and
 * `fields` lists the fields of that record the decision covered.
 */
export class AccessLogFields1764060000000 implements MigrationInterface {
  name = 'AccessLogFields1764060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log ADD COLUMN fields text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log DROP COLUMN fields`);
  }
}

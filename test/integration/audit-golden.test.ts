import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceFor } from '../../ormconfig';
import { CHAIN_LOCK, GENESIS_HASH } from '../../src/audit/chain';
import { verifyChain } from '../../src/audit/verify-chain';
import { BATCH_COLUMNS, format2Header, insertStored, insertStoredRows, readGolden, ROW_COLUMNS, storedBatch, storedRow } from '../support/golden-batches';

/**
 * The committed golden batches (test/fixtures/golden-batches/: hash format 1 with both row shapes,
 * then format 2), inserted into a fresh gateway database exactly as stored, verify: how batches
 * already in a log are hashed cannot change without this failing. Their hashes were computed
 * once by the tests' own implementation of each format (test/support/golden-batches.ts), not by
 * the code under test; test/unit/chain-golden.test.ts checks the same files without a database.
 */
const f1 = readGolden(1);
const f2 = readGolden(2);
let admin: Client;
const open: DataSource[] = [];

beforeAll(async () => {
  admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL! });
  await admin.connect();
});
afterAll(async () => {
  for (const ds of open) await ds.destroy();
  await admin.end();
});

/** A fresh gateway database, migrated (cloned from the template global-setup migrates). */
async function freshGatewayDatabase(): Promise<DataSource> {
  const name = `t${randomBytes(4).toString('hex')}_golden`;
  await admin.query(`CREATE DATABASE ${name} TEMPLATE tpl_gateway`);
  const ds = dataSourceFor('gateway', process.env.TEST_PG_ADMIN_URL!.replace(/\/[^/?]*(\?|$)/, `/${name}$1`));
  await ds.initialize();
  open.push(ds);
  return ds;
}

const readBack = async (ds: DataSource) => ({
  batches: (await ds.query(`SELECT ${BATCH_COLUMNS.join(', ')} FROM access_log_batches ORDER BY chain_seq`)).map(storedBatch),
  rows: (await ds.query(`SELECT ${ROW_COLUMNS.join(', ')} FROM access_log ORDER BY id`)).map(storedRow),
});

test('each golden batch, inserted as stored, reads back column for column and verifies', async () => {
  const ds = await freshGatewayDatabase();
  await insertStored(ds, f1.batches);
  expect(await readBack(ds)).toEqual({ batches: f1.batches.map((b) => b.batch), rows: f1.batches.flatMap((b) => b.rows) });
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 2, rows: 5, anchor: null, firstBroken: null });

  await insertStored(ds, f2.batches);
  const all = [...f1.batches, ...f2.batches];
  expect(await readBack(ds)).toEqual({ batches: all.map((b) => b.batch), rows: all.flatMap((b) => b.rows) });
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 3, rows: 9, anchor: null, firstBroken: null });
});

test("PostgreSQL's access_log_link chains the golden format-2 batch to the committed hash", async () => {
  // As the writer does it (batch-insert.ts): the rows, then access_log_link with the header, which
  // reads the head (the last format-1 batch), hashes and inserts the batch.
  const ds = await freshGatewayDatabase();
  await insertStored(ds, f1.batches);
  const [{ batch, rows }] = f2.batches;
  await insertStoredRows(ds, rows);
  const linked = await ds.transaction((m) => m.query(
    `SELECT hash, chain_seq::text AS chain_seq FROM access_log_link($1, $2, $3, $4, $5, $6, $7, $8)`,
    [CHAIN_LOCK, GENESIS_HASH, batch.id, batch.logged_at, format2Header(batch.id, batch.logged_at, rows), rows.length, batch.first_row_id, batch.last_row_id],
  ));
  expect(linked).toEqual([{ hash: batch.hash, chain_seq: batch.chain_seq }]);
  const all = [...f1.batches, ...f2.batches];
  expect(await readBack(ds)).toEqual({ batches: all.map((b) => b.batch), rows: all.flatMap((b) => b.rows) });
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 3, rows: 9, anchor: null, firstBroken: null });
});

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceFor } from '../../ormconfig';
import { batchHash, GENESIS_HASH, LogRow } from '../../src/audit/chain';
import { createGroupCommitWriter } from '../../src/audit/log-writer';
import { ensurePartitions } from '../../src/audit/partitions';
import { insertLogRows } from '../support/log-rows';
import { verifyChain } from '../../src/audit/verify-chain';

/**
 * Upgrading a gateway database that already holds a chained log: the migration that gives the
 * chain its own order (chain_seq) keeps every existing batch verifiable, and the new writer
 * chains on after the last old batch.
 */
let admin: Client;
let url: string;
let ds: DataSource;

beforeAll(async () => {
  const adminUrl = process.env.TEST_PG_ADMIN_URL!;
  admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `t${randomBytes(4).toString('hex')}_upgrade`;
  await admin.query(`CREATE DATABASE ${name}`);
  url = adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  ds = dataSourceFor('gateway', url);
  await ds.initialize();
});
afterAll(async () => {
  await ds.destroy();
  await admin.end();
});

const row = (i: number): LogRow => ({
  at: new Date(), requestId: `old-${i}`, caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, clientAddress: null,
  policyHash: 'f'.repeat(64), customerId: `c${i}`, typeName: 'Customer', fieldPath: 'customer', fields: ['firstName'], category: 'identity.name',
  effect: 'ALLOW', reason: null, rule: 'purposes.account_management.categories',
});

/** A batch as the writer before the migration wrote it: chained in id order, no chain_seq. */
async function writeOldBatch(rows: LogRow[]): Promise<void> {
  await ds.transaction(async (m) => {
    const [prev] = await m.query('SELECT hash FROM access_log_batches ORDER BY id DESC LIMIT 1');
    const [{ id }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
    const loggedAt = new Date();
    await insertLogRows(m, id, loggedAt, rows);
    await m.query(`INSERT INTO access_log_batches (id, logged_at, prev_hash, hash, row_count) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5)`,
      [id, loggedAt, prev?.hash ?? GENESIS_HASH, batchHash(prev?.hash ?? GENESIS_HASH, id, loggedAt, rows), rows.length]);
  });
}

test('existing batches keep verifying after the chain_seq migration, and new batches chain on', async () => {
  const all = ds.migrations.map((m) => m.name);
  const lastName = 'AccessLogChainOrder1764110000000';
  expect(all[all.length - 1]).toBe(lastName);
  // Everything before it, as a database deployed before this change has.
  const newest = ds.migrations.pop()!;
  await ds.runMigrations({ transaction: 'each' });
  await ensurePartitions(ds, new Date()); // the old writer made this month's partition first too
  for (const n of [3, 1, 2]) await writeOldBatch(Array.from({ length: n }, (_, i) => row(10 * n + i)));

  ds.migrations.push(newest);
  expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([lastName]);
  expect(await ds.query(`SELECT id::text AS id, chain_seq::text AS seq FROM access_log_batches ORDER BY id`))
    .toEqual([{ id: '1', seq: '1' }, { id: '2', seq: '2' }, { id: '3', seq: '3' }]);
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 3, rows: 6, anchor: null, firstBroken: null });
  // The table is insert-only again: the migration's own UPDATE right is gone and the trigger is back.
  // (Read from the ACL: the test connects as a superuser, for whom has_table_privilege is always true.)
  expect(await ds.query(`SELECT count(*)::int AS grants FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = 'access_log_batches' AND a.privilege_type = 'UPDATE'`))
    .toEqual([{ grants: 0 }]);
  expect(await ds.query(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'access_log_batches_insert_only'`)).toEqual([{ tgenabled: 'O' }]);

  const writer = createGroupCommitWriter(ds);
  await writer.append({ ...row(99), policyHash: 'h' }, [{ customerId: 'c99', typeName: 'Customer', recordPath: 'customer', fields: ['lastName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'r' }]);
  await writer.close();
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 4, rows: 7, anchor: null, firstBroken: null });
});

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceFor } from '../../ormconfig';
import { batchHash, GENESIS_HASH, LogRow } from '../../src/audit/chain';
import { createGroupCommitWriter } from '../../src/audit/log-writer';
import { monthStart, partitionName, protectPartition } from '../../src/audit/partitions';
import { insertLogRows, SINGLE_CATEGORY } from '../support/log-rows';
import { verifyChain } from '../../src/audit/verify-chain';

/**
 * Upgrading a gateway database that already holds a chained log: the migration that gives the
 * chain its own order (chain_seq), the one that stores one row per decision
 * (AccessLogDecisionRows) and the one that links batches by their content digest
 * (AccessLogChainDigest) keep every existing batch verifiable and readable as entries, and the
 * new writer chains on after the last old batch.
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
  effect: 'ALLOW', reason: null, rule: 'purposes.account_management.categories', ...SINGLE_CATEGORY,
});

/**
 * A batch as a writer before AccessLogChainDigest wrote it (hash format 1, rows' lines). Before
 * AccessLogChainOrder: chained in id order, no chain_seq; after it: with chain_seq.
 */
async function writeOldBatch(rows: LogRow[], withChainSeq = false): Promise<void> {
  await ds.transaction(async (m) => {
    const [prev] = await m.query('SELECT hash FROM access_log_batches ORDER BY id DESC LIMIT 1');
    const [{ id }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
    const loggedAt = new Date();
    await insertLogRows(m, id, loggedAt, rows);
    const values = [id, loggedAt, prev?.hash ?? GENESIS_HASH, batchHash(prev?.hash ?? GENESIS_HASH, id, loggedAt, rows), rows.length];
    if (withChainSeq) {
      await m.query(`INSERT INTO access_log_batches (id, logged_at, prev_hash, hash, row_count, chain_seq) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $1)`, values);
    } else {
      await m.query(`INSERT INTO access_log_batches (id, logged_at, prev_hash, hash, row_count) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5)`, values);
    }
  });
}

/** A row of one decision over two categories, as rows are since AccessLogDecisionRows. */
const decisionRow = (i: number): LogRow => ({
  ...row(i), typeName: null, category: null, fields: ['lastName', 'emails.0-1.address'], categories: ['identity.name', 'contact.email'],
  categoryTypes: ['Customer', 'Email'], categoryFieldEnds: [1, 2],
});

test('existing batches keep verifying after the chain_seq, one-row-per-decision and digest migrations, and new batches chain on', async () => {
  const names = ['AccessLogChainOrder1764110000000', 'AccessLogDecisionRows1764120000000', 'AccessLogChainDigest1764130000000'];
  const first = ds.migrations.findIndex((m) => m.name === names[0]);
  expect(ds.migrations.slice(first, first + 3).map((m) => m.name)).toEqual(names);
  // Everything before them, as a database deployed before these changes has.
  const [chainOrder, decisionRows, chainDigest, ...later] = ds.migrations.splice(first);
  await ds.runMigrations({ transaction: 'each' });
  // The old writer made this month's partition first too, as its own connection could then.
  const start = monthStart(new Date());
  await ds.query(`CREATE TABLE ${partitionName(start)} PARTITION OF access_log FOR VALUES FROM ('${start.toISOString()}') TO ('${monthStart(start, 1).toISOString()}')`);
  await protectPartition(ds, partitionName(start));
  for (const n of [3, 1, 2]) await writeOldBatch(Array.from({ length: n }, (_, i) => row(10 * n + i)));

  ds.migrations.push(chainOrder);
  expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([names[0]]);
  expect(await ds.query(`SELECT id::text AS id, chain_seq::text AS seq FROM access_log_batches ORDER BY id`))
    .toEqual([{ id: '1', seq: '1' }, { id: '2', seq: '2' }, { id: '3', seq: '3' }]);
  // The table is insert-only again: the migration's own UPDATE right is gone and the trigger is back.
  // (Read from the ACL: the test connects as a superuser, for whom has_table_privilege is always true.)
  expect(await ds.query(`SELECT count(*)::int AS grants FROM pg_class c, aclexplode(c.relacl) a WHERE c.relname = 'access_log_batches' AND a.privilege_type = 'UPDATE'`))
    .toEqual([{ grants: 0 }]);
  expect(await ds.query(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'access_log_batches_insert_only'`)).toEqual([{ tgenabled: 'O' }]);

  ds.migrations.push(decisionRows);
  expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([names[1]]);
  await writeOldBatch([decisionRow(40), decisionRow(41)], true);

  ds.migrations.push(chainDigest);
  expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([names[2]]);
  expect(await ds.query(`SELECT id::text AS id, hash_format FROM access_log_batches ORDER BY id`))
    .toEqual(['1', '2', '3', '4'].map((id) => ({ id, hash_format: 1 })));
  // The migrations after these (the runtime role's grants, ...), then the current writer.
  ds.migrations.push(...later);
  expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(later.map((m) => m.name));
  // (verify reads the current schema, so it runs once all three are in.)
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 4, rows: 8, anchor: null, firstBroken: null });
  const writer = createGroupCommitWriter(ds);
  await writer.append({ ...row(99), policyHash: 'h' }, [
    { customerId: 'c99', typeName: 'Customer', recordPath: 'customer', fields: ['lastName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'r' },
    { customerId: 'c99', typeName: 'Email', recordPath: 'customer', fields: ['emails.0.address'], category: 'contact.email', effect: 'ALLOW', reason: null, rule: 'r' },
  ]);
  await writer.close();
  expect(await verifyChain(ds)).toEqual({ ok: true, batches: 5, rows: 9, anchor: null, firstBroken: null });
  const [last] = await ds.query(`SELECT b.hash_format, b.prev_hash = p.hash AS linked FROM access_log_batches b JOIN access_log_batches p ON p.chain_seq = b.chain_seq - 1 ORDER BY b.chain_seq DESC LIMIT 1`);
  expect(last).toEqual({ hash_format: 2, linked: true });
  // Old rows and new read alike as entries: one per (row, category).
  expect(await ds.query(`SELECT request_id, customer_id, type_name, field_path, fields, category, effect FROM access_log_entries ORDER BY id, part`)).toEqual([
    ...[30, 31, 32, 10, 20, 21].map((i) => ({ request_id: `old-${i}`, customer_id: `c${i}`, type_name: 'Customer', field_path: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW' })),
    ...[40, 41].flatMap((i) => [
      { request_id: `old-${i}`, customer_id: `c${i}`, type_name: 'Customer', field_path: 'customer', fields: ['lastName'], category: 'identity.name', effect: 'ALLOW' },
      { request_id: `old-${i}`, customer_id: `c${i}`, type_name: 'Email', field_path: 'customer', fields: ['emails.0-1.address'], category: 'contact.email', effect: 'ALLOW' },
    ]),
    { request_id: 'old-99', customer_id: 'c99', type_name: 'Customer', field_path: 'customer', fields: ['lastName'], category: 'identity.name', effect: 'ALLOW' },
    { request_id: 'old-99', customer_id: 'c99', type_name: 'Email', field_path: 'customer', fields: ['emails.0.address'], category: 'contact.email', effect: 'ALLOW' },
  ]);
});

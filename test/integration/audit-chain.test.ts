import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { startTestGateway, TestGateway } from '../support/gateway';
import { createTestDatabases } from '../support/test-stores';
import { civilCutoff } from '../support/civil-calendar';
import { ADULT, MINOR, insertCustomers } from '../fixtures/customers';
import { batchHash, GENESIS_HASH, LogRow } from '../../src/audit/chain';
import { writeBatch } from '../../src/audit/batch-insert';
import { monthStart, partitionName } from '../../src/audit/partitions';
import { insertLogRows, SINGLE_CATEGORY } from '../support/log-rows';
import { verifyChain, VerifyProgress } from '../../src/audit/verify-chain';
import { pruneAccessLog, PruneRefused } from '../../src/audit/prune';
import { parseDuration } from '../../src/policy/duration';
import { Effect, Reason } from '../../src/policy/decide';
import { closeStores, openStores, Stores } from '../../src/stores/open-stores';

/**
 * The access log is tamper-evident: the gateway's own connection cannot change or remove rows,
 * a change made around the triggers breaks the hash chain at the changed batch, and pruning
 * drops whole months past the retention, recorded, leaving a chain that still verifies from
 * the first kept batch.
 */
let gw: TestGateway;
const QUERY = (id: string) => `{ customer(id: "${id}") { id firstName nationalId emails { address } } }`;

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT, MINOR]);
  // More than 10 batches, so that an id compared as text would show.
  for (const id of [ADULT.id, MINOR.id, ADULT.id, MINOR.id, ADULT.id, MINOR.id, ADULT.id, MINOR.id, ADULT.id, MINOR.id, ADULT.id, MINOR.id]) {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: QUERY(id) });
    expect(r.status).toBe(200);
  }
});
afterAll(() => gw.close());

/** Batch and row counts as the tables hold them, up to (not including) a place in the chain. */
async function counts(ds: DataSource, beforeSeq = '9223372036854775807'): Promise<{ batches: number; rows: number }> {
  const [r] = await ds.query(
    `SELECT (SELECT count(*)::int FROM access_log_batches WHERE chain_seq < $1) AS batches,
            (SELECT count(*)::int FROM access_log l JOIN access_log_batches b ON b.id = l.batch_id WHERE b.chain_seq < $1) AS rows`,
    [beforeSeq],
  );
  return r;
}

/** A superuser connection to the same database, which can set session_replication_role (triggers off). */
async function superuser(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query('SET session_replication_role = replica');
  return c;
}

test('the chain the gateway wrote verifies, every batch and every row', async () => {
  const { batches, rows } = await counts(gw.stores.gateway);
  expect(batches).toBeGreaterThanOrEqual(12);
  const progress: VerifyProgress[] = [];
  expect(await verifyChain(gw.stores.gateway, { onProgress: (p) => progress.push(p) })).toEqual({ ok: true, batches, rows, anchor: null, firstBroken: null });
  expect(progress[0]).toEqual({ batches: 0, rows: 0, total: batches });
  expect(progress[progress.length - 1]).toEqual({ batches, rows, total: batches });
});

test("the gateway's own connection cannot update, delete or truncate the log", async () => {
  const [row] = await gw.stores.gateway.query(`SELECT a.id::text AS id, a.logged_at FROM access_log a ORDER BY a.id LIMIT 1`);
  const partition = partitionName(monthStart(row.logged_at));
  const q = (sql: string) => gw.stores.gateway.query(sql, sql.includes('$1') ? [row.id] : []);
  const refused = (table: string) => ({ code: '42501', message: `the access log is insert-only (${table})` });
  await expect(q(`UPDATE access_log SET effect = 'ALLOW' WHERE id = $1`)).rejects.toMatchObject(refused(partition));
  await expect(q(`DELETE FROM access_log WHERE id = $1`)).rejects.toMatchObject(refused(partition));
  await expect(q(`TRUNCATE access_log`)).rejects.toMatchObject(refused('access_log'));
  await expect(q(`UPDATE access_log_batches SET row_count = 0`)).rejects.toMatchObject(refused('access_log_batches'));
  await expect(q(`DELETE FROM access_log_batches`)).rejects.toMatchObject(refused('access_log_batches'));
  await expect(q(`TRUNCATE access_log_batches`)).rejects.toMatchObject(refused('access_log_batches'));
  await expect(q(`TRUNCATE access_log_prunes`)).rejects.toMatchObject(refused('access_log_prunes'));
  await expect(q(`UPDATE ${partition} SET effect = 'ALLOW' WHERE id = $1`)).rejects.toMatchObject(refused(partition));
  await expect(q(`DELETE FROM ${partition} WHERE id = $1`)).rejects.toMatchObject(refused(partition));
  const { batches, rows } = await counts(gw.stores.gateway);
  expect(await verifyChain(gw.stores.gateway)).toEqual({ ok: true, batches, rows, anchor: null, firstBroken: null });
});

test('a change made around the triggers breaks the chain at the changed batch', async () => {
  const ds = gw.stores.gateway;
  const su = await superuser(gw.config.databases.gateway!);
  try {
    // A row denied in a later batch (not the first), turned into an ALLOW.
    const [row] = await ds.query(
      `SELECT a.id::text AS id, a.batch_id::text AS batch_id, a.effect FROM access_log a
       WHERE a.effect <> 'ALLOW' AND a.batch_id > (SELECT min(id) FROM access_log_batches) ORDER BY a.id LIMIT 1`);
    const [second] = await ds.query(`SELECT id::text AS id, chain_seq::text AS seq, hash, prev_hash FROM access_log_batches WHERE id = $1`, [row.batch_id]);
    await su.query(`UPDATE access_log SET effect = 'ALLOW' WHERE id = $1`, [row.id]);
    const broken = await verifyChain(ds);
    expect(broken).toEqual({
      ok: false, ...(await counts(ds, second.seq)), anchor: null,
      firstBroken: { batchId: second.id, reason: 'hash mismatch', expected: second.hash, actual: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(broken.firstBroken!.actual).not.toBe(second.hash);
    await su.query(`UPDATE access_log SET effect = $2 WHERE id = $1`, [row.id, row.effect]);
    expect((await verifyChain(ds)).ok).toBe(true);

    // One category of a row renamed: the row says it covered other data than it did.
    const [multi] = await ds.query(
      `SELECT a.id::text AS id, a.batch_id::text AS batch_id, a.categories FROM access_log a WHERE cardinality(a.categories) > 1 ORDER BY a.id DESC LIMIT 1`);
    const [holder] = await ds.query(`SELECT id::text AS id, chain_seq::text AS seq, hash FROM access_log_batches WHERE id = $1`, [multi.batch_id]);
    await su.query(`UPDATE access_log SET categories[2] = 'identity.name' WHERE id = $1`, [multi.id]);
    expect(await verifyChain(ds)).toEqual({
      ok: false, ...(await counts(ds, holder.seq)), anchor: null,
      firstBroken: { batchId: holder.id, reason: 'hash mismatch', expected: holder.hash, actual: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    await su.query(`UPDATE access_log SET categories = $2 WHERE id = $1`, [multi.id, multi.categories]);
    expect((await verifyChain(ds)).ok).toBe(true);

    // One row's request metadata rewritten: the read is put on another caller.
    const [read] = await ds.query(`SELECT a.caller FROM access_log a WHERE a.id = $1`, [multi.id]);
    await su.query(`UPDATE access_log SET caller = 'someone-else' WHERE id = $1`, [multi.id]);
    expect(await verifyChain(ds)).toMatchObject({ ok: false, firstBroken: { batchId: holder.id, reason: 'hash mismatch', expected: holder.hash } });
    await su.query(`UPDATE access_log SET caller = $2 WHERE id = $1`, [multi.id, read.caller]);

    // The batch's hash format switched to the old one: its hash is then checked over row lines, and fails.
    expect(await ds.query(`SELECT hash_format FROM access_log_batches WHERE id = $1`, [holder.id])).toEqual([{ hash_format: 2 }]);
    await su.query(`UPDATE access_log_batches SET hash_format = 1 WHERE id = $1`, [holder.id]);
    expect(await verifyChain(ds)).toMatchObject({ ok: false, firstBroken: { batchId: holder.id, reason: 'hash mismatch', expected: holder.hash } });
    await su.query(`UPDATE access_log_batches SET hash_format = 2 WHERE id = $1`, [holder.id]);
    expect((await verifyChain(ds)).ok).toBe(true);

    // A row removed: the batch's row count no longer matches.
    const [rowCount] = await ds.query(`SELECT row_count FROM access_log_batches WHERE id = $1`, [second.id]);
    await su.query(`CREATE TEMP TABLE saved AS SELECT * FROM access_log WHERE id = $1`, [row.id]);
    await su.query(`DELETE FROM access_log WHERE id = $1`, [row.id]);
    expect(await verifyChain(ds)).toEqual({
      ok: false, ...(await counts(ds, second.seq)), anchor: null,
      firstBroken: { batchId: second.id, reason: 'row count mismatch', expected: rowCount.row_count, actual: rowCount.row_count - 1 },
    });
    await su.query(`INSERT INTO access_log SELECT * FROM saved`);

    // A batch's link rewritten.
    await su.query(`UPDATE access_log_batches SET prev_hash = $2 WHERE id = $1`, [second.id, GENESIS_HASH]);
    expect(await verifyChain(ds)).toEqual({
      ok: false, ...(await counts(ds, second.seq)), anchor: null,
      firstBroken: { batchId: second.id, reason: 'prev_hash mismatch', expected: second.prev_hash, actual: GENESIS_HASH },
    });
    await su.query(`UPDATE access_log_batches SET prev_hash = $2 WHERE id = $1`, [second.id, second.prev_hash]);
    expect(await verifyChain(ds)).toEqual({ ok: true, ...(await counts(ds)), anchor: null, firstBroken: null });
  } finally {
    await su.end();
  }
});

test('a month emptied around the triggers is reported at its first batch', async () => {
  const ds = gw.stores.gateway;
  const [first] = await ds.query(`SELECT b.id::text AS id, b.logged_at, b.row_count FROM access_log_batches b ORDER BY b.chain_seq LIMIT 1`);
  const partition = partitionName(monthStart(first.logged_at));
  const su = await superuser(gw.config.databases.gateway!);
  try {
    await su.query(`TRUNCATE ${partition}`);
  } finally {
    await su.end();
  }
  expect(await verifyChain(ds)).toEqual({
    ok: false, batches: 0, rows: 0, anchor: null, firstBroken: { batchId: first.id, reason: 'row count mismatch', expected: first.row_count, actual: 0 },
  });
});

// Statement triggers on the parent are not cloned to partitions: ensurePartitions and the
// ProtectLogPartitions migration give every partition its own no-truncate trigger.
test("the gateway's own connection cannot truncate a month partition directly", async () => {
  const [row] = await gw.stores.gateway.query(`SELECT logged_at FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1`);
  const partition = partitionName(monthStart(row.logged_at));
  await expect(gw.stores.gateway.query(`TRUNCATE ${partition}`)).rejects.toMatchObject({ code: '42501', message: `the access log is insert-only (${partition})` });
  await expect(gw.stores.gateway.query(`TRUNCATE access_log_default`)).rejects.toMatchObject({ code: '42501', message: 'the access log is insert-only (access_log_default)' });
});

describe('prune', () => {
  let stores: Stores;
  let url: string;
  const P2Y = parseDuration('P2Y')!;
  const now = new Date();

  const row = (at: Date, i: number): LogRow => ({
    at, requestId: `req-old-${i}`, caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, clientAddress: null,
    policyHash: 'f'.repeat(64), customerId: i % 2 ? ADULT.id : null, typeName: 'Customer', fieldPath: 'customer', fields: ['firstName', 'lastName'],
    category: 'identity.name', effect: i % 3 ? 'ALLOW' : 'DENY', reason: i % 3 ? null : 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.account_management.categories',
    ...SINGLE_CATEGORY,
  });

  /** What the writer does, at a chosen logged_at: rows and batch in one transaction, chained after the last batch. */
  async function writeOldBatch(ds: DataSource, loggedAt: Date, rows: LogRow[]): Promise<{ batchId: string; hash: string }> {
    return ds.transaction(async (m) => {
      const [prev] = await m.query('SELECT hash, chain_seq FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1');
      const [{ id: batchId }] = await m.query(`SELECT nextval(pg_get_serial_sequence('access_log_batches', 'id'))::text AS id`);
      const hash = batchHash(prev?.hash ?? GENESIS_HASH, batchId, loggedAt, rows);
      await insertLogRows(m, batchId, loggedAt, rows);
      await m.query(
        `INSERT INTO access_log_batches (id, chain_seq, logged_at, prev_hash, hash, row_count) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6)`,
        [batchId, Number(prev?.chain_seq ?? 0) + 1, loggedAt, prev?.hash ?? GENESIS_HASH, hash, rows.length],
      );
      return { batchId, hash };
    });
  }

  const batchIds: string[] = [];
  const hashes: string[] = [];

  beforeAll(async () => {
    const urls = await createTestDatabases();
    url = urls.gateway;
    stores = await openStores(urls, { migrate: false });
    const ds = stores.gateway;
    // History first (the chain is linear in chain_seq order): two old months, then a batch that fell
    // into the default partition, then this month's batches through the real writer.
    await ds.query(`CREATE TABLE access_log_2020_01 PARTITION OF access_log FOR VALUES FROM ('2020-01-01T00:00:00Z') TO ('2020-02-01T00:00:00Z')`);
    await ds.query(`CREATE TABLE access_log_2020_02 PARTITION OF access_log FOR VALUES FROM ('2020-02-01T00:00:00Z') TO ('2020-03-01T00:00:00Z')`);
    const old = [
      await writeOldBatch(ds, new Date('2020-01-15T10:00:00.123Z'), [0, 1, 2].map((i) => row(new Date('2020-01-15T09:59:59.001Z'), i))),
      await writeOldBatch(ds, new Date('2020-02-03T08:00:00Z'), [3, 4].map((i) => row(new Date('2020-02-03T07:59:59.5Z'), i))),
      await writeOldBatch(ds, new Date('2020-06-30T23:59:59.999Z'), [5, 6].map((i) => row(new Date('2020-06-30T23:59:59Z'), i))),
    ];
    const current = [];
    // One request per row, as the writer receives them.
    const asRequest = (r: LogRow) => ({ meta: r, records: [{ ...r, typeName: r.typeName!, category: r.category!, recordPath: r.fieldPath, fields: [...r.fields], effect: r.effect as Effect, reason: r.reason as Reason | null }] });
    for (const n of [2, 1, 3]) current.push(await writeBatch(ds, Array.from({ length: n }, (_, i) => asRequest(row(new Date(), 10 * n + i)))));
    for (const b of [...old, ...current]) {
      batchIds.push(b.batchId);
      hashes.push(b.hash);
    }
  });
  afterAll(() => closeStores(stores));

  test('the chain with its history verifies from genesis; a month dropped without a prune record breaks it', async () => {
    const ds = stores.gateway;
    expect(await verifyChain(ds)).toEqual({ ok: true, batches: 6, rows: 13, anchor: null, firstBroken: null });
    const su = await superuser(url);
    try {
      await su.query(`ALTER TABLE access_log DETACH PARTITION access_log_2020_02`);
      expect(await verifyChain(ds)).toEqual({
        ok: false, batches: 1, rows: 3, anchor: null, firstBroken: { batchId: batchIds[1], reason: 'row count mismatch', expected: 2, actual: 0 },
      });
    } finally {
      await su.query(`ALTER TABLE access_log ATTACH PARTITION access_log_2020_02 FOR VALUES FROM ('2020-02-01T00:00:00Z') TO ('2020-03-01T00:00:00Z')`);
      await su.end();
    }
  });

  test('a prune inside the retention is refused, and changes nothing', async () => {
    const ds = stores.gateway;
    // The latest entry whose two years have ended, in the civil calendar (on 29 February: the end of 28 February); the next midnight is too recent.
    const lastAllowed = civilCutoff(now, { years: 2, months: 0, days: 0 });
    const tooRecent = new Date(Date.UTC(lastAllowed.getUTCFullYear(), lastAllowed.getUTCMonth(), lastAllowed.getUTCDate()) + 86_400_000);
    await expect(pruneAccessLog(ds, { before: tooRecent, retention: P2Y, now, by: 'test' })).rejects.toThrow(
      new PruneRefused(`refusing to prune before ${tooRecent.toISOString().slice(0, 10)}: the policy pack keeps the access log for P2Y (access_log_retention), ` +
        `so nothing logged after ${lastAllowed.toISOString()} may be pruned`),
    );
    await expect(pruneAccessLog(ds, { before: tooRecent, retention: null, now, by: 'test' })).rejects.toThrow(
      /^refusing to prune before \d{4}-\d{2}-\d{2}: the policy pack sets no access_log_retention, so the default of 2 years \(P2Y\) applies/,
    );
    await expect(pruneAccessLog(ds, { before: new Date('2021-01-01'), retention: parseDuration('P10Y'), now, by: 'test' })).rejects.toBeInstanceOf(PruneRefused);
    expect(await ds.query(`SELECT count(*)::int AS n FROM access_log_prunes`)).toEqual([{ n: 0 }]);
    expect((await verifyChain(ds)).batches).toBe(6);
  });

  test('a prune drops the old months, records them, and the chain verifies from the first kept batch', async () => {
    const ds = stores.gateway;
    const result = await pruneAccessLog(ds, { before: new Date('2021-01-01T00:00:00Z'), retention: P2Y, now, by: 'auditor@test' });
    expect(result).toEqual({
      dropped: [
        { name: 'access_log_2020_01', rangeStart: new Date('2020-01-01T00:00:00Z'), rangeEnd: new Date('2020-02-01T00:00:00Z'), rows: 3 },
        { name: 'access_log_2020_02', rangeStart: new Date('2020-02-01T00:00:00Z'), rangeEnd: new Date('2020-03-01T00:00:00Z'), rows: 2 },
      ],
      defaultRowsBefore: 2,
    });
    expect(await ds.query(`SELECT partition_name, range_start, range_end, row_count, pruned_by, pruned_at > now() - interval '1 minute' AS recent FROM access_log_prunes ORDER BY id`)).toEqual([
      { partition_name: 'access_log_2020_01', range_start: new Date('2020-01-01T00:00:00Z'), range_end: new Date('2020-02-01T00:00:00Z'), row_count: '3', pruned_by: 'auditor@test', recent: true },
      { partition_name: 'access_log_2020_02', range_start: new Date('2020-02-01T00:00:00Z'), range_end: new Date('2020-03-01T00:00:00Z'), row_count: '2', pruned_by: 'auditor@test', recent: true },
    ]);
    expect(await ds.query(`SELECT relname FROM pg_class WHERE relname IN ('access_log_2020_01', 'access_log_2020_02')`)).toEqual([]);
    // The batches stay; their rows are gone. The batch in the default partition is the first kept one.
    expect(await ds.query(`SELECT count(*)::int AS n FROM access_log_batches`)).toEqual([{ n: 6 }]);
    expect(await verifyChain(ds)).toEqual({ ok: true, batches: 4, rows: 8, anchor: { batchId: batchIds[2], prevHash: hashes[1] }, firstBroken: null });

    // Nothing older is left, and this month is never dropped, even with no retention at all.
    expect(await pruneAccessLog(ds, { before: now, retention: parseDuration('P0D'), now, by: 'auditor@test' })).toEqual({ dropped: [], defaultRowsBefore: 2 });
    expect(await ds.query(`SELECT relname FROM pg_class WHERE relname = $1`, [partitionName(monthStart(now))])).toEqual([{ relname: partitionName(monthStart(now)) }]);
    expect((await verifyChain(ds)).ok).toBe(true);
  });
});

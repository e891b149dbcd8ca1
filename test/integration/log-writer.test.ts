import { Client } from 'pg';
import { createTestDatabases } from '../support/test-stores';
import { closeStores, openStores, Stores } from '../../src/stores/open-stores';
import { createGroupCommitWriter, RequestMeta } from '../../src/audit/log-writer';
import { DecisionRecord } from '../../src/audit/decision-record';
import { CHAIN_LOCK, GENESIS_HASH } from '../../src/audit/chain';
import { verifyChain } from '../../src/audit/verify-chain';
import { writeBatch } from '../../src/audit/batch-insert';

/**
 * The group-commit writer: concurrent requests share commits; a full queue makes requests wait,
 * then refuses them; nothing is ever dropped silently.
 */
let stores: Stores;
let url: string;
beforeAll(async () => {
  const urls = await createTestDatabases();
  url = urls.gateway;
  stores = await openStores(urls, { migrate: false });
});
afterAll(() => closeStores(stores));

const meta = (requestId: string): RequestMeta => ({ requestId, caller: 'svc', roles: ['service'], purpose: 'p', justification: null, clientAddress: null, policyHash: 'h', at: new Date() });
const records = (n: number): DecisionRecord[] => Array.from({ length: n }, (_, i) => ({
  customerId: `c${i}`, typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'r',
}));

test('concurrent appends share commits, and every row is written', async () => {
  const writer = createGroupCommitWriter(stores.gateway);
  await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append(meta(`share-${i}`), records(5))));
  const [{ rows, requests, batches }] = await stores.gateway.query(
    `SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS requests, count(DISTINCT batch_id)::int AS batches FROM access_log WHERE request_id LIKE 'share-%'`);
  expect({ rows, requests }).toEqual({ rows: 200, requests: 40 });
  expect(batches).toBeLessThan(40);
});

test('a full queue makes requests wait, then refuses them; nothing is dropped', async () => {
  const writer = createGroupCommitWriter(stores.gateway, { maxQueuedRows: 10, queueTimeoutMs: 300 });
  const blocker = new Client({ connectionString: url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE access_log_batches IN ACCESS EXCLUSIVE MODE'); // the writer's batch stalls
  const first = writer.append(meta('q-1'), records(8)); // in flight, stalled
  await new Promise((r) => setTimeout(r, 50));
  const second = writer.append(meta('q-2'), records(8)); // queued: 8 of 10
  const third = writer.append(meta('q-3'), records(8)); // would make 16 > 10: waits, then refused
  await expect(third).rejects.toThrow('access-log queue full');
  await blocker.query('ROLLBACK');
  await blocker.end();
  await Promise.all([first, second]);
  const counts = await stores.gateway.query(`SELECT request_id, count(*)::int AS n FROM access_log WHERE request_id LIKE 'q-%' GROUP BY request_id ORDER BY request_id`);
  expect(counts).toEqual([{ request_id: 'q-1', n: 8 }, { request_id: 'q-2', n: 8 }]);
});

/** Batches waiting for the chain lock: they have inserted their rows and now wait to link. */
async function waitingForChain(): Promise<number> {
  const [{ n }] = await stores.gateway.query(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`, [CHAIN_LOCK]);
  return n;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test.each([1, 2])('with maxWriters %i, that many batches are in flight at once; they take consecutive places in the chain', async (maxWriters) => {
  const writer = createGroupCommitWriter(stores.gateway, { maxWriters, minOverlapRows: 1 });
  const holder = new Client({ connectionString: url });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [CHAIN_LOCK]); // the chain's linking step stalls
  const appends = [1, 2, 3].map((i) => writer.append(meta(`overlap${maxWriters}-${i}`), records(i)));
  try {
    await until(async () => (await waitingForChain()) === maxWriters, `${maxWriters} batches at the chain lock`);
    await new Promise((r) => setTimeout(r, 100));
    expect(await waitingForChain()).toBe(maxWriters); // never more
  } finally {
    await holder.query('SELECT pg_advisory_unlock($1)', [CHAIN_LOCK]);
    await holder.end();
  }
  await Promise.all(appends);
  const [{ rows, requests }] = await stores.gateway.query(
    `SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS requests FROM access_log WHERE request_id LIKE $1`, [`overlap${maxWriters}-%`]);
  expect({ rows, requests }).toEqual({ rows: 6, requests: 3 });
  // Every batch links to the one before it in chain order, with no gap and no place taken twice.
  const links: { seq: string; linked: boolean }[] = await stores.gateway.query(
    `SELECT chain_seq::text AS seq, prev_hash = coalesce(lag(hash) OVER (ORDER BY chain_seq), $1) AS linked FROM access_log_batches ORDER BY chain_seq`, [GENESIS_HASH]);
  expect(links).toEqual(links.map((_, i) => ({ seq: String(i + 1), linked: true })));
  const verified = await verifyChain(stores.gateway);
  expect(verified).toEqual({ ok: true, batches: links.length, rows: verified.rows, anchor: null, firstBroken: null });
});

test("a request's decisions are stored one row per customer place and decision, and read back as the same entries", async () => {
  const writer = createGroupCommitWriter(stores.gateway);
  const allow = { effect: 'ALLOW' as const, reason: null, rule: 'purposes.p.lawful_basis' };
  const given: DecisionRecord[] = [
    { customerId: 'c1', typeName: 'Customer', recordPath: 'customers.0', fields: ['firstName', 'lastName'], category: 'identity.name', ...allow },
    { customerId: 'c1', typeName: 'Email', recordPath: 'customers.0', fields: ['emails.0.address', 'emails.1.address'], category: 'contact.email', ...allow },
    { customerId: 'c1', typeName: 'Customer', recordPath: 'customers.0', fields: ['nationalId'], category: 'identity.national_id', effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.p.categories' },
    { customerId: 'c1', typeName: 'Phone', recordPath: 'customers.0', fields: [], category: 'contact.phone', ...allow },
    { customerId: 'c2', typeName: 'Customer', recordPath: 'customers.1', fields: ['firstName'], category: 'identity.name', ...allow },
  ];
  await writer.append(meta('grouped-1'), given);
  await writer.close();
  expect(await stores.gateway.query(
    `SELECT customer_id, field_path, effect, reason, categories, category_types, category_field_ends, fields, category, type_name
     FROM access_log WHERE request_id = 'grouped-1' ORDER BY id`)).toEqual([
    { customer_id: 'c1', field_path: 'customers.0', effect: 'ALLOW', reason: null, categories: ['identity.name', 'contact.email', 'contact.phone'],
      category_types: ['Customer', 'Email', 'Phone'], category_field_ends: [2, 4, 4], fields: ['firstName', 'lastName', 'emails.0.address', 'emails.1.address'], category: null, type_name: null },
    { customer_id: 'c1', field_path: 'customers.0', effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', categories: ['identity.national_id'],
      category_types: ['Customer'], category_field_ends: [1], fields: ['nationalId'], category: null, type_name: null },
    { customer_id: 'c2', field_path: 'customers.1', effect: 'ALLOW', reason: null, categories: ['identity.name'],
      category_types: ['Customer'], category_field_ends: [1], fields: ['firstName'], category: null, type_name: null },
  ]);
  const entries = await stores.gateway.query(
    `SELECT customer_id AS "customerId", type_name AS "typeName", field_path AS "recordPath", fields, category, effect, reason, rule
     FROM access_log_entries WHERE request_id = 'grouped-1' ORDER BY id, part`);
  expect(entries).toEqual([given[0], given[1], given[3], given[2], given[4]]);
  expect((await verifyChain(stores.gateway)).ok).toBe(true);
});

test('a lone row with an empty customer id and no rule, and control characters in ids and rules, are stored as the log keeps them and verify', async () => {
  const writer = createGroupCommitWriter(stores.gateway);
  const base = { typeName: 'Customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW' as const, reason: null };
  // Alone in its batch: a single row whose column value is empty must still be a row.
  await writer.append(meta('lone-1'), [{ ...base, customerId: '', recordPath: 'customer', rule: null }]);
  await writer.append(meta('ctrl-1'), [
    { ...base, customerId: 'c\x1e1\x1f\x01', recordPath: 'customers.0', rule: 'r\n1' },
    { ...base, customerId: null, recordPath: 'customers.1', rule: 'r2' },
  ]);
  await writer.close();
  const stored = await stores.gateway.query(
    `SELECT request_id, customer_id, field_path, rule, fields FROM access_log_entries WHERE request_id IN ('lone-1', 'ctrl-1') ORDER BY id, part`);
  expect(stored).toEqual([
    { request_id: 'lone-1', customer_id: '', field_path: 'customer', rule: null, fields: ['firstName'] },
    { request_id: 'ctrl-1', customer_id: 'c\uFFFD1\uFFFD\uFFFD', field_path: 'customers.0', rule: 'r\uFFFD1', fields: ['firstName'] },
    { request_id: 'ctrl-1', customer_id: null, field_path: 'customers.1', rule: 'r2', fields: ['firstName'] },
  ]);
  expect((await verifyChain(stores.gateway)).ok).toBe(true);
});

test('values with quotes, backslashes, commas, braces and Thai text are stored as given and verify', async () => {
  const writer = createGroupCommitWriter(stores.gateway);
  const odd: RequestMeta = { ...meta('odd-1'), roles: ['a,b', 'q"x', 'back\\slash'], justification: 'คำขอของลูกค้า {1}, "ด่วน"', clientAddress: '::1' };
  const decision: DecisionRecord = {
    customerId: 'c,"1"', typeName: 'Customer', recordPath: 'customers.0', fields: ['emails.0.address', 'x\\y', '{z}', 'a,b', '"q"', ''],
    category: 'contact.email', effect: 'DENY', reason: 'NO_CONSENT', rule: 'purposes.p.lawful_basis',
  };
  await writer.append(odd, [decision]);
  const stored = await stores.gateway.query(
    `SELECT roles, justification, client_address, customer_id, field_path, fields, effect, reason FROM access_log_entries WHERE request_id = 'odd-1'`);
  expect(stored).toEqual([{
    roles: odd.roles, justification: odd.justification, client_address: '::1', customer_id: decision.customerId, field_path: 'customers.0',
    fields: decision.fields, effect: 'DENY', reason: 'NO_CONSENT',
  }]);
  expect((await verifyChain(stores.gateway)).ok).toBe(true);
});

test('requests with the same metadata in one batch, apart or together, are stored apart and verify (they share one request number in the hash)', async () => {
  const same = meta('twice-1');
  const other = meta('twice-2');
  const decision = (customerId: string): DecisionRecord => ({ ...records(1)[0], customerId });
  await writeBatch(stores.gateway, [
    { meta: same, records: [decision('a1')] },
    { meta: other, records: [decision('b1')] },
    { meta: same, records: [decision('a2'), decision('a3')] },
  ]);
  const stored = await stores.gateway.query(`SELECT request_id, customer_id FROM access_log WHERE request_id LIKE 'twice-%' ORDER BY id`);
  expect(stored).toEqual([['twice-1', 'a1'], ['twice-2', 'b1'], ['twice-1', 'a2'], ['twice-1', 'a3']].map(([request_id, customer_id]) => ({ request_id, customer_id })));
  expect((await verifyChain(stores.gateway)).ok).toBe(true);
});

test('the chain is never extended from a snapshot taken before the lock: access_log_link refuses to run outside READ COMMITTED', async () => {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await expect(c.query(`SELECT * FROM access_log_link($1, $2, 1, now(), 'h', 1, 1, 1)`, [CHAIN_LOCK, GENESIS_HASH]))
      .rejects.toMatchObject({ message: 'access_log_link runs in READ COMMITTED only: the chain head must be read after the lock' });
    await c.query('ROLLBACK');
  } finally {
    await c.end();
  }
});

import { Client } from 'pg';
import { createTestDatabases } from '../support/test-stores';
import { closeStores, openStores, Stores } from '../../src/stores/open-stores';
import { createGroupCommitWriter, RequestMeta } from '../../src/audit/log-writer';
import { DecisionRecord } from '../../src/audit/decision-record';
import { GENESIS_HASH } from '../../src/audit/chain';
import { verifyChain } from '../../src/audit/verify-chain';

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

test('two batches written at once take consecutive places in the chain, and the chain verifies', async () => {
  const writer = createGroupCommitWriter(stores.gateway, { maxWriters: 2, minOverlapRows: 1 });
  await Promise.all(Array.from({ length: 60 }, (_, i) => writer.append(meta(`overlap-${i}`), records(1 + (i % 7)))));
  const [{ rows, requests }] = await stores.gateway.query(
    `SELECT count(*)::int AS rows, count(DISTINCT request_id)::int AS requests FROM access_log WHERE request_id LIKE 'overlap-%'`);
  expect({ rows, requests }).toEqual({ rows: Array.from({ length: 60 }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b, 0), requests: 60 });
  // Every batch links to the one before it in chain order, with no gap and no place taken twice.
  const links: { seq: string; linked: boolean }[] = await stores.gateway.query(
    `SELECT chain_seq::text AS seq, prev_hash = coalesce(lag(hash) OVER (ORDER BY chain_seq), $1) AS linked FROM access_log_batches ORDER BY chain_seq`, [GENESIS_HASH]);
  expect(links).toEqual(links.map((_, i) => ({ seq: String(i + 1), linked: true })));
  const verified = await verifyChain(stores.gateway);
  expect(verified).toEqual({ ok: true, batches: links.length, rows: verified.rows, anchor: null, firstBroken: null });
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
    `SELECT roles, justification, client_address, customer_id, field_path, fields, effect, reason FROM access_log WHERE request_id = 'odd-1'`);
  expect(stored).toEqual([{
    roles: odd.roles, justification: odd.justification, client_address: '::1', customer_id: decision.customerId, field_path: 'customers.0',
    fields: decision.fields, effect: 'DENY', reason: 'NO_CONSENT',
  }]);
  expect((await verifyChain(stores.gateway)).ok).toBe(true);
});

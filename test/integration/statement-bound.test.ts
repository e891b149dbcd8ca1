import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { dataSourceFor } from '../../ormconfig';
import { createTestDatabases } from '../support/test-stores';
import { allowLongStatements, setStatementBound } from '../../src/stores/statement-bound';
import { createGroupCommitWriter, RequestMeta } from '../../src/audit/log-writer';
import { DecisionRecord } from '../../src/audit/decision-record';

/**
 * The client-side statement bound (src/stores/statement-bound.ts; issue 16, item 3), against the
 * suite's PostgreSQL with a short bound so that a slow statement (pg_sleep) stands for a server
 * that stopped answering: the statement fails with STATEMENT_TIMEOUT at the bound, its connection
 * is closed and the pool carries on with a new one; an operation that runs long by design (the
 * access-log writer, the exports' pages) lifts the bound on its own connection, for as long as it
 * holds it. What a client sees when PostgreSQL is frozen: store-failure-frozen.test.ts.
 */
const BOUND_MS = 300;
const LONG_MS = 2_000;
let urls: Awaited<ReturnType<typeof createTestDatabases>>;
let ds: DataSource;

beforeAll(async () => {
  urls = await createTestDatabases();
  // One connection, so that every lease below gets the same one.
  const size = process.env.GATEWAY_POOL_SIZE;
  process.env.GATEWAY_POOL_SIZE = '1';
  try {
    ds = dataSourceFor('gateway', urls.gateway, undefined, { statementTimeoutMs: BOUND_MS, longStatementTimeoutMs: LONG_MS });
  } finally {
    if (size === undefined) delete process.env.GATEWAY_POOL_SIZE;
    else process.env.GATEWAY_POOL_SIZE = size;
  }
  await ds.initialize();
});
afterAll(() => ds.destroy());

const pidOf = async (q: { query(sql: string): Promise<{ pid: number }[]> }): Promise<number> => (await q.query('SELECT pg_backend_pid() AS pid'))[0].pid;

async function timed<T>(work: Promise<T>): Promise<{ ms: number; result: unknown }> {
  const started = performance.now();
  const result = await work.then((value) => ({ value }), (err: { code?: unknown; message?: unknown }) => ({ code: err.code, message: err.message }));
  return { ms: performance.now() - started, result };
}

test('a statement not answered within the bound fails with STATEMENT_TIMEOUT at the bound; its connection is closed, the next one is new', async () => {
  const before = await pidOf(ds);
  const { ms, result } = await timed(ds.query('SELECT pg_sleep(2)'));
  expect(result).toEqual({ code: 'STATEMENT_TIMEOUT', message: `StatementTimeoutError: The database did not answer a statement within ${BOUND_MS} ms; its connection was closed` });
  expect(ms).toBeGreaterThanOrEqual(BOUND_MS - 5);
  expect(ms).toBeLessThan(BOUND_MS + 500);
  // The pool's only connection was closed, not handed on busy: the next statement runs at once on a new one.
  const next = await timed(pidOf(ds));
  expect(next.ms).toBeLessThan(1_000);
  expect(next.result).toEqual({ value: expect.any(Number) });
  expect((next.result as { value: number }).value).not.toBe(before);
});

test('the pool\'s own query (the callback form: the customer-state read) is bounded the same way', async () => {
  const pool = (ds.driver as PostgresDriver).master as { query(config: { text: string }): Promise<unknown> };
  const { ms, result } = await timed(pool.query({ text: 'SELECT pg_sleep(2)' }));
  expect(result).toEqual({ code: 'STATEMENT_TIMEOUT', message: `The database did not answer a statement within ${BOUND_MS} ms; its connection was closed` });
  expect(ms).toBeLessThan(BOUND_MS + 500);
  expect(await pidOf(ds)).toEqual(expect.any(Number));
});

test('a lease with its own bound (setStatementBound) runs past the pool\'s; once released, the same connection has the pool\'s bound again', async () => {
  const qr = ds.createQueryRunner();
  await qr.connect();
  const pid = await pidOf(qr);
  setStatementBound(qr, 5_000);
  expect(await qr.query('SELECT pg_sleep(0.6), 1 AS done')).toEqual([{ pg_sleep: '', done: 1 }]);
  await qr.release();

  const again = ds.createQueryRunner();
  await again.connect();
  try {
    expect(await pidOf(again)).toBe(pid);
    const { result } = await timed(again.query('SELECT pg_sleep(0.6)'));
    expect(result).toMatchObject({ code: 'STATEMENT_TIMEOUT' });
  } finally {
    await again.release();
  }
});

test('allowLongStatements gives a lease the pool\'s long bound (the exports\' pages), and no more', async () => {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    allowLongStatements(qr);
    expect(await qr.query('SELECT pg_sleep(0.6), 1 AS done')).toEqual([{ pg_sleep: '', done: 1 }]);
    const { ms, result } = await timed(qr.query('SELECT pg_sleep(5)'));
    expect(result).toMatchObject({ code: 'STATEMENT_TIMEOUT' });
    expect(ms).toBeGreaterThanOrEqual(LONG_MS - 5);
    expect(ms).toBeLessThan(LONG_MS + 500);
  } finally {
    await qr.release();
  }
});

test('a pool made without bounds (the command-line tools: migrations, sweep, verify) does not cut statements', async () => {
  const cli = dataSourceFor('gateway', urls.gateway);
  await cli.initialize();
  try {
    expect(await cli.query('SELECT pg_sleep(0.6), 1 AS done')).toEqual([{ pg_sleep: '', done: 1 }]);
  } finally {
    await cli.destroy();
  }
});

describe('the access-log writer', () => {
  const meta = (requestId: string): RequestMeta => ({ requestId, caller: 'svc', roles: ['service'], purpose: 'p', justification: null, clientAddress: null, policyHash: 'h', at: new Date() });
  const records = (n: number): DecisionRecord[] => Array.from({ length: n }, (_, i) => ({
    customerId: `c${i}`, typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'r',
  }));

  /** Holds the chain's batch table for `ms`, as a batch of another replica or a slow commit would: the writer's statements wait. */
  async function holdChain(ms: number): Promise<void> {
    const blocker = new Client({ connectionString: urls.gateway });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE access_log_batches IN ACCESS EXCLUSIVE MODE');
    setTimeout(() => void blocker.query('ROLLBACK').then(() => blocker.end()), ms);
  }

  test('a batch that waits longer than the request bound is not cut: its statements have the writer\'s own bound (its commit timeout)', async () => {
    await holdChain(1_200);
    const writer = createGroupCommitWriter(ds, { commitTimeoutMs: 10_000 });
    const { ms, result } = await timed(writer.append(meta('bound-writer-1'), records(3)));
    expect(result).toEqual({ value: undefined });
    expect(ms).toBeGreaterThan(1_000);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM access_log WHERE request_id = 'bound-writer-1'`);
    expect(n).toBe(3);
    await writer.close();
  });

  test('…while the same wait under the request bound would have cut it (nothing written)', async () => {
    await holdChain(1_200);
    const writer = createGroupCommitWriter(ds, { commitTimeoutMs: 10_000, statementTimeoutMs: BOUND_MS });
    const { result } = await timed(writer.append(meta('bound-writer-2'), records(3)));
    expect(result).toMatchObject({ code: 'STATEMENT_TIMEOUT' });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM access_log WHERE request_id = 'bound-writer-2'`);
    expect(n).toBe(0);
    await writer.close();
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { GraphQLError } from 'graphql';
import { ensureDatabases } from '../../src/db/embedded-postgres';
import { closeStores, openStores } from '../../src/stores/open-stores';
import { dataSourceFor, StoreName } from '../../ormconfig';
import { isConnectionFailure } from '../../src/http/graphql-plugin';
import { verifyChain } from '../../src/audit/verify-chain';
import { createGroupCommitWriter } from '../../src/audit/log-writer';
import { ADULT, grantConsent, insertCustomers } from '../fixtures/customers';
import { ClusterProcess, freePort, GatewayProcess, graphql, httpRequest, HttpResult, spawnGateway, startClusterProcess, tokenFor } from '../support/processes';
import { childrenOf, rootUnavailable, routeUnavailable } from '../support/store-failure';

/**
 * Failure and recovery (issue 6, item 2). A gateway process (dist/src/main.js) runs over an
 * embedded PostgreSQL of this test's own, in .data/, so stopping it leaves the suite's shared
 * server alone. In turn: the gateway database alone refuses connections (ALLOW_CONNECTIONS false,
 * its sessions ended), then the billing database alone, then the whole server is frozen (SIGSTOP:
 * connections stay open and nothing answers, as when a host vanishes), then it is stopped, then
 * started again on the same folder and port, the gateway process running throughout.
 *
 * The contract: a request whose data cannot be read or whose access-log entries cannot be
 * written gets HTTP 503 with exactly one coded error and no personal data, promptly (never a
 * 500, a stack or a hang). The code names the first dependency, in the order the request needs
 * them, that failed: the CRM or billing store (STORE_UNAVAILABLE), the customer state in the
 * gateway database (CONSENT_STATE_UNAVAILABLE), the access log (AUDIT_UNAVAILABLE). /readyz is
 * 503 naming the unreachable stores; /healthz stays 200. When the database returns, the pools
 * reconnect and the gateway serves again without a restart, reading state afresh.
 */
jest.setTimeout(240_000);

const DIR = path.resolve(__dirname, '../../.data', `failure-pg-${process.pid}`);
const DBS: Record<StoreName, string> = { gateway: 'gateway', crm: 'crm', billing: 'billing' };
/** connectionTimeoutMillis is 3 s: every answer during an outage comes well within this. */
const PROMPT_MS = 5_000;

let pgPort: number;
let cluster: ClusterProcess | null = null;
let urls: Record<StoreName, string>;
let gw: GatewayProcess;
let tokens: Record<'crm' | 'billing' | 'marketing' | 'dpo' | 'auditor', string>;
/** Request ids of every 503 answer: none of them may have access-log entries. */
const withheld: string[] = [];

const READ = `{ customer(id: "${ADULT.id}") { id firstName emails { address } } }`;
/** Only categories the purpose never covers: decided without customer state, denied, logged. */
const DENIED_ONLY = `{ customer(id: "${ADULT.id}") { nationalId } }`;
const EXPLAIN = `{ explain(customerId: "${ADULT.id}", purpose: "marketing", categories: ["contact.email"]) { decisions { category effect reason } } }`;
const WITHDRAW = `mutation { withdrawConsent(customerId: "${ADULT.id}", purpose: "marketing") { action purpose } }`;
const GRANT = `mutation { grantConsent(input: { customerId: "${ADULT.id}", purpose: "marketing", source: "email" }) { action purpose } }`;
const HISTORY = `{ consentHistory(customerId: "${ADULT.id}") { kind action purpose } }`;
const ACCESS_LOG = `{ accessLog(first: 5) { edges { node { requestId caller category effect } } } }`;

const read = (query = READ) => graphql(gw.port, { token: tokens.crm, purpose: 'account_management', query });
const marketingRead = () => graphql(gw.port, { token: tokens.marketing, purpose: 'marketing', query: READ });
const asDpo = (query: string) => graphql(gw.port, { token: tokens.dpo, query });
const asAuditor = (query: string) => graphql(gw.port, { token: tokens.auditor, query });
const auditExport = () => httpRequest(gw.port, { path: '/audit/export', headers: { authorization: `Bearer ${tokens.auditor}` } });
const subjectExport = () => httpRequest(gw.port, { path: `/subjects/${ADULT.id}/export`, headers: { 'x-purpose': 'data_subject_request', authorization: `Bearer ${tokens.dpo}` } });
const readyz = () => httpRequest(gw.port, { path: '/readyz' });
const healthz = () => httpRequest(gw.port, { path: '/healthz' });

function expectAnswer(r: HttpResult, status: number, body: unknown): void {
  expect({ status: r.status, body: r.json, type: r.headers['content-type'] }).toEqual({ status, body, type: 'application/json; charset=utf-8' });
  expect(r.endedAt - r.startedAt).toBeLessThan(PROMPT_MS);
  // No personal value of the customer, no stack, no SQL or driver detail in any answer.
  for (const s of [ADULT.firstName, ADULT.email, ADULT.lastName, 'stack', 'ECONNREFUSED', 'QueryFailedError', 'postgres']) expect(r.text).not.toContain(s);
  expect(r.text).not.toMatch(/\bat \S+ \(/);
  withheld.push(String(r.headers['x-request-id']));
}

async function admin<T>(sql: string): Promise<T[]> {
  const c = new Client({ connectionString: cluster!.adminUrl });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

async function waitReady(timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const r = await readyz();
    if (r.status === 200) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms: ${r.text}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

beforeAll(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  pgPort = await freePort();
  cluster = await startClusterProcess(DIR, pgPort);
  await ensureDatabases(cluster.adminUrl, Object.values(DBS));
  urls = { gateway: cluster.urlFor(DBS.gateway), crm: cluster.urlFor(DBS.crm), billing: cluster.urlFor(DBS.billing) };
  const stores = await openStores(urls, { migrate: true });
  try {
    await insertCustomers(stores, [ADULT]);
    await grantConsent(stores, ADULT.id, 'marketing');
  } finally {
    await closeStores(stores);
  }
  gw = await spawnGateway(urls);
  tokens = {
    crm: await tokenFor('crm-service', ['service']),
    billing: await tokenFor('billing-service', ['service']),
    marketing: await tokenFor('marketing-service', ['service']),
    dpo: await tokenFor('dpo-console', ['dpo']),
    auditor: await tokenFor('security-audit', ['auditor']),
  };
});

afterAll(async () => {
  await gw?.stop();
  await cluster?.stop();
  fs.rmSync(DIR, { recursive: true, force: true });
});

test('healthy: reads are served and /readyz is 200', async () => {
  const r = await read();
  expect({ status: r.status, body: r.json }).toEqual({
    status: 200, body: { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } },
  });
  expect((await marketingRead()).json).toEqual({ data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } });
  expect((await readyz()).json).toEqual({ status: 'ready', stores: { gateway: 'ok', crm: 'ok', billing: 'ok' } });
});

describe('the gateway database refuses connections (CRM and billing up)', () => {
  beforeAll(async () => {
    await admin(`ALTER DATABASE ${DBS.gateway} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DBS.gateway}'`);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${DBS.gateway} ALLOW_CONNECTIONS true`);
  });

  test('/readyz is 503 naming the gateway store; /healthz stays 200', async () => {
    const r = await readyz();
    expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: { status: 'not ready', stores: { gateway: 'unreachable', crm: 'ok', billing: 'ok' } } });
    const h = await healthz();
    expect({ status: h.status, body: h.json }).toEqual({ status: 200, body: { status: 'ok' } });
  });

  test('a customer read is 503 CONSENT_STATE_UNAVAILABLE: the CRM answered, but nothing is returned without the state', async () => {
    expectAnswer(await read(), 503,
      rootUnavailable('customer', 3, 'CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned', { customer: null }));
    expectAnswer(await marketingRead(), 503,
      rootUnavailable('customer', 3, 'CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned', { customer: null }));
  });

  test('a read that needs no state is withheld because its access-log entries cannot be written: 503 AUDIT_UNAVAILABLE', async () => {
    expectAnswer(await read(DENIED_ONLY), 503, routeUnavailable('AUDIT_UNAVAILABLE', 'The access log could not be written; no personal data is returned'));
  });

  test('explain, consent operations and the history are 503 CONSENT_STATE_UNAVAILABLE', async () => {
    expectAnswer(await asDpo(EXPLAIN), 503, rootUnavailable('explain', 3, 'CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read', null));
    expectAnswer(await asDpo(WITHDRAW), 503, rootUnavailable('withdrawConsent', 12, 'CONSENT_STATE_UNAVAILABLE', 'The customer-state history could not be written', null));
    expectAnswer(await asDpo(GRANT), 503, rootUnavailable('grantConsent', 12, 'CONSENT_STATE_UNAVAILABLE', 'The customer-state history could not be written', null));
    expectAnswer(await asDpo(HISTORY), 503, rootUnavailable('consentHistory', 3, 'CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read', null));
  });

  test('the access log cannot be read or exported: accessLog 503 STORE_UNAVAILABLE, /audit/export 503 AUDIT_UNAVAILABLE', async () => {
    expectAnswer(await asAuditor(ACCESS_LOG), 503, rootUnavailable('accessLog', 3, 'STORE_UNAVAILABLE', 'The access log could not be read', null));
    expectAnswer(await auditExport(), 503, routeUnavailable('AUDIT_UNAVAILABLE', 'The access log could not be written; nothing is exported'));
  });

  test('the subject export is 503 CONSENT_STATE_UNAVAILABLE', async () => {
    expectAnswer(await subjectExport(), 503, routeUnavailable('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned'));
  });

  test('connections allowed again: ready and serving without a restart', async () => {
    await admin(`ALTER DATABASE ${DBS.gateway} ALLOW_CONNECTIONS true`);
    await waitReady(15_000);
    const r = await read();
    expect({ status: r.status, body: r.json }).toEqual({
      status: 200, body: { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } },
    });
  });
});

describe('the billing store refuses connections (CRM and the gateway database up)', () => {
  /** Resolves the CRM fields and the state first; the billing lists fail after them. */
  const PAYMENT_READ = `{ customer(id: "${ADULT.id}") { id firstName bankAccounts { accountNumber } orders { total } } }`;
  const payment = () => graphql(gw.port, { token: tokens.billing, purpose: 'payment', query: PAYMENT_READ });
  beforeAll(async () => {
    await admin(`ALTER DATABASE ${DBS.billing} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${DBS.billing}'`);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${DBS.billing} ALLOW_CONNECTIONS true`);
  });

  test('/readyz is 503 naming the billing store', async () => {
    const r = await readyz();
    expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: { status: 'not ready', stores: { gateway: 'ok', crm: 'ok', billing: 'unreachable' } } });
  });

  test('a read is 503 STORE_UNAVAILABLE with one error and no data, though the CRM fields had resolved', async () => {
    // Both billing lists fail, in either order; the answer names the root field that could not be answered, every time.
    for (let i = 0; i < 5; i++) {
      expectAnswer(await payment(), 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', 'A personal-data store is unavailable', { customer: null }));
    }
    // A read that touches only the CRM is served.
    expect((await read()).status).toBe(200);
  });

  test('connections allowed again: the billing lists are served', async () => {
    await admin(`ALTER DATABASE ${DBS.billing} ALLOW_CONNECTIONS true`);
    await waitReady(15_000);
    const r = await payment();
    expect({ status: r.status, body: r.json }).toEqual({
      status: 200,
      body: { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, bankAccounts: [{ accountNumber: '******6789' }], orders: [{ total: '1290.00' }] } } },
    });
  });
});

describe('PostgreSQL frozen (connections open, nothing answers: a host gone without closing its sockets)', () => {
  let pids: number[] = [];
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  beforeAll(async () => {
    await read(); // pooled connections to every store are open
    const postmaster = Number(fs.readFileSync(path.join(DIR, 'postmaster.pid'), 'utf8').split('\n')[0]);
    pids = [postmaster, ...childrenOf(postmaster)];
    signal('SIGSTOP');
  });
  afterAll(() => signal('SIGCONT'));

  test('/readyz answers 503 within its bound instead of hanging, and again on the next probe; /healthz stays 200', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await readyz();
      expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: { status: 'not ready', stores: { gateway: 'unreachable', crm: 'unreachable', billing: 'unreachable' } } });
      expect(r.endedAt - r.startedAt).toBeLessThan(PROMPT_MS);
    }
    expect((await healthz()).status).toBe(200);
  });

  test('thawed: ready and serving again by itself', async () => {
    signal('SIGCONT');
    await waitReady(15_000);
    expect((await read()).status).toBe(200);
  });
});

test('the access-log writer refuses an append it cannot commit in time (a database that stopped answering)', async () => {
  const hung = { transaction: () => new Promise<never>(() => undefined) } as unknown as DataSource;
  const writer = createGroupCommitWriter(hung, { commitTimeoutMs: 300 });
  const meta = { requestId: 'r1', caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, clientAddress: null, policyHash: 'h', at: new Date() };
  const record = { customerId: ADULT.id, typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW' as const, reason: null, rule: null };
  const started = performance.now();
  await expect(writer.append(meta, [record])).rejects.toThrow('access-log commit timed out');
  expect(performance.now() - started).toBeLessThan(2_000);
});

test('a driver error that means "database unreachable" is recognised wherever it is wrapped (the edge answers 503, not 500)', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const wrapped = new GraphQLError('x', { originalError: Object.assign(new Error('query failed'), { driverError: shutdown }) });
  for (const e of [refused, shutdown, wrapped, new Error('timeout exceeded when trying to connect'), new Error('Connection terminated unexpectedly')]) {
    expect(isConnectionFailure(e)).toBe(true);
  }
  const syntax = Object.assign(new Error('syntax error at or near "x"'), { code: '42601' });
  for (const e of [syntax, new GraphQLError('x', { originalError: syntax }), new Error('boom'), null, undefined]) expect(isConnectionFailure(e)).toBe(false);
});

describe('PostgreSQL stopped', () => {
  beforeAll(async () => {
    await cluster!.stop();
    cluster = null;
  });

  test('/readyz is 503 naming every store; /healthz stays 200; the process lives on', async () => {
    const r = await readyz();
    expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: { status: 'not ready', stores: { gateway: 'unreachable', crm: 'unreachable', billing: 'unreachable' } } });
    expect(r.endedAt - r.startedAt).toBeLessThan(PROMPT_MS);
    const h = await healthz();
    expect({ status: h.status, body: h.json }).toEqual({ status: 200, body: { status: 'ok' } });
    expect(gw.child.exitCode).toBeNull();
  });

  test('a customer read is 503 STORE_UNAVAILABLE, the first dependency it needs, and returns nothing', async () => {
    for (const r of await Promise.all([read(), read(), marketingRead()])) {
      expectAnswer(r, 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', { customer: null }));
    }
    const many = await graphql(gw.port, { token: tokens.crm, purpose: 'account_management', query: `{ customers(ids: ["${ADULT.id}", "cus_nobody"]) { id firstName } }` });
    expectAnswer(many, 503, rootUnavailable('customers', 3, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', null));
    expectAnswer(await read(DENIED_ONLY), 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', { customer: null }));
  });

  test('explain, consent operations and the history are 503 STORE_UNAVAILABLE (the customer is looked up first)', async () => {
    expectAnswer(await asDpo(EXPLAIN), 503, rootUnavailable('explain', 3, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', null));
    expectAnswer(await asDpo(WITHDRAW), 503, rootUnavailable('withdrawConsent', 12, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', null));
    expectAnswer(await asDpo(GRANT), 503, rootUnavailable('grantConsent', 12, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', null));
    expectAnswer(await asDpo(HISTORY), 503, rootUnavailable('consentHistory', 3, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', null));
  });

  test('accessLog 503 STORE_UNAVAILABLE, /audit/export 503 AUDIT_UNAVAILABLE, subject export 503 STORE_UNAVAILABLE', async () => {
    expectAnswer(await asAuditor(ACCESS_LOG), 503, rootUnavailable('accessLog', 3, 'STORE_UNAVAILABLE', 'The access log could not be read', null));
    expectAnswer(await auditExport(), 503, routeUnavailable('AUDIT_UNAVAILABLE', 'The access log could not be written; nothing is exported'));
    expectAnswer(await subjectExport(), 503, routeUnavailable('STORE_UNAVAILABLE', 'A personal-data store is unavailable'));
  });

  test('refusals that need no database keep their own codes', async () => {
    const noPurpose = await graphql(gw.port, { token: tokens.crm, query: READ });
    expect({ status: noPurpose.status, code: (noPurpose.json as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code }).toEqual({ status: 400, code: 'PURPOSE_REQUIRED' });
    const badToken = await graphql(gw.port, { token: 'not-a-token', purpose: 'account_management', query: READ });
    expect(badToken.status).toBe(401);
  });

  describe('started again on the same folder and port, the gateway untouched', () => {
    let recoveredMs: number;
    beforeAll(async () => {
      const restarting = Date.now();
      cluster = await startClusterProcess(DIR, pgPort);
      // What another replica could have recorded meanwhile: the gateway last saw consent given.
      await new Client({ connectionString: urls.gateway }).connect().then(async (c) => {
        await c.query(`INSERT INTO consent_events (customer_id, purpose, action, source, recorded_by) VALUES ($1, 'marketing', 'withdraw', 'email', 'other-replica')`, [ADULT.id]);
        await c.end();
      });
      await waitReady(30_000);
      recoveredMs = Date.now() - restarting;
    });

    test('/readyz returns to 200 by itself', async () => {
      const r = await readyz();
      expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: { status: 'ready', stores: { gateway: 'ok', crm: 'ok', billing: 'ok' } } });
      expect(recoveredMs).toBeLessThan(30_000);
      expect(gw.child.exitCode).toBeNull();
    });

    test('reads succeed again, with state read afresh (the withdrawal made during the restart holds)', async () => {
      const r = await read();
      expect({ status: r.status, body: r.json }).toEqual({
        status: 200, body: { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } },
      });
      const m = await marketingRead();
      expect(m.status).toBe(200);
      const body = m.json as { data: { customer: Record<string, unknown> }; errors: { path: unknown[]; extensions: { code: string; reason: string } }[] };
      expect(body.data.customer).toEqual({ id: ADULT.id, firstName: null, emails: [{ address: null }] });
      expect(body.errors.map((e) => [e.path.join('.'), e.extensions.code, e.extensions.reason])).toEqual([
        ['customer.firstName', 'FORBIDDEN_BY_POLICY', 'CONSENT_WITHDRAWN'],
        ['customer.emails.0.address', 'FORBIDDEN_BY_POLICY', 'CONSENT_WITHDRAWN'],
      ]);
      expect(m.text).not.toContain(ADULT.firstName);
    });

    test('mutations, explain, the log and both exports work again', async () => {
      expect((await asDpo(GRANT)).json).toEqual({ data: { grantConsent: { action: 'grant', purpose: 'marketing' } } });
      expect((await asDpo(EXPLAIN)).json).toEqual({ data: { explain: { decisions: [{ category: 'contact.email', effect: 'ALLOW', reason: null }] } } });
      expect((await marketingRead()).json).toEqual({ data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } });
      const log = await asAuditor(ACCESS_LOG);
      expect(log.status).toBe(200);
      const exp = await auditExport();
      expect(exp.status).toBe(200);
      const subject = await subjectExport();
      expect(subject.status).toBe(200);
    });

    test('the access-log chain is intact, and no withheld answer was logged as a disclosure', async () => {
      const ds = dataSourceFor('gateway', urls.gateway);
      await ds.initialize();
      try {
        const result = await verifyChain(ds);
        expect(result).toMatchObject({ ok: true, firstBroken: null });
        const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM access_log');
        expect(result.rows).toBe(n);
        expect(withheld.length).toBeGreaterThanOrEqual(20);
        const [{ logged }] = await ds.query('SELECT count(*)::int AS logged FROM access_log WHERE request_id = ANY($1)', [withheld]);
        expect(logged).toBe(0);
      } finally {
        await ds.destroy();
      }
    });
  });
});

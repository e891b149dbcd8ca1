import { Client } from 'pg';
import { GraphQLError } from 'graphql';
import { dataSourceFor } from '../../ormconfig';
import { isConnectionFailure } from '../../src/http/graphql-plugin';
import { verifyChain } from '../../src/audit/verify-chain';
import { ADULT } from '../fixtures/customers';
import { graphql, startClusterProcess } from '../support/processes';
import { rootUnavailable, routeUnavailable } from '../support/store-failure';
import {
  ACCESS_LOG, admin, asAuditor, asDpo, auditExport, DBS, DENIED_ONLY, DIR, env, expectAnswer, EXPLAIN, GRANT, healthz, HISTORY, marketingRead,
  PROMPT_MS, read, READ, readyz, subjectExport, useFailureGateway, waitReady, withheld, WITHDRAW,
} from '../support/store-failure-gateway';

/**
 * Failure and recovery (issue 6, item 2) when PostgreSQL refuses connections, against a gateway
 * process over a PostgreSQL of this file's own (useFailureGateway). In turn: the gateway database
 * alone refuses connections (ALLOW_CONNECTIONS false, its sessions ended), then the billing
 * database alone, then the whole server is stopped, then started again on the same folder and
 * port, the gateway process running throughout. A server that stops answering without closing
 * its connections: store-failure-frozen.test.ts.
 *
 * The contract: a request whose data cannot be read or whose access-log entries cannot be
 * written gets HTTP 503 with exactly one coded error and no personal data, promptly (never a
 * 500, a stack or a hang). The code names the first dependency, in the order the request needs
 * them, that failed: the CRM or billing store (STORE_UNAVAILABLE), the customer state in the
 * gateway database (CONSENT_STATE_UNAVAILABLE), the access log (AUDIT_UNAVAILABLE). /readyz is
 * 503 naming the unreachable stores; /healthz stays 200. When the database returns, the pools
 * reconnect and the gateway serves again without a restart, reading state afresh.
 */
useFailureGateway();

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
  const payment = () => graphql(env.gw.port, { token: env.tokens.billing, purpose: 'payment', query: PAYMENT_READ });
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
    await env.cluster!.stop();
    env.cluster = null;
  });

  test('/readyz is 503 naming every store; /healthz stays 200; the process lives on', async () => {
    const r = await readyz();
    expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: { status: 'not ready', stores: { gateway: 'unreachable', crm: 'unreachable', billing: 'unreachable' } } });
    expect(r.endedAt - r.startedAt).toBeLessThan(PROMPT_MS);
    const h = await healthz();
    expect({ status: h.status, body: h.json }).toEqual({ status: 200, body: { status: 'ok' } });
    expect(env.gw.child.exitCode).toBeNull();
  });

  test('a customer read is 503 STORE_UNAVAILABLE, the first dependency it needs, and returns nothing', async () => {
    for (const r of await Promise.all([read(), read(), marketingRead()])) {
      expectAnswer(r, 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', 'The CRM store is unavailable', { customer: null }));
    }
    const many = await graphql(env.gw.port, { token: env.tokens.crm, purpose: 'account_management', query: `{ customers(ids: ["${ADULT.id}", "cus_nobody"]) { id firstName } }` });
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
    const noPurpose = await graphql(env.gw.port, { token: env.tokens.crm, query: READ });
    expect({ status: noPurpose.status, code: (noPurpose.json as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code }).toEqual({ status: 400, code: 'PURPOSE_REQUIRED' });
    const badToken = await graphql(env.gw.port, { token: 'not-a-token', purpose: 'account_management', query: READ });
    expect(badToken.status).toBe(401);
  });

  describe('started again on the same folder and port, the gateway untouched', () => {
    let recoveredMs: number;
    beforeAll(async () => {
      const restarting = Date.now();
      env.cluster = await startClusterProcess(DIR, env.pgPort);
      // What another replica could have recorded meanwhile: the gateway last saw consent given.
      await new Client({ connectionString: env.urls.gateway }).connect().then(async (c) => {
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
      expect(env.gw.child.exitCode).toBeNull();
    });

    test('reads succeed again, with state read afresh (the withdrawal made during the restart holds)', async () => {
      const r = await read();
      expect({ status: r.status, body: r.json }).toEqual({
        status: 200, body: { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } },
      });
      const m = await marketingRead();
      expect(m.status).toBe(200);
      const body = m.json as { data: { customer: Record<string, unknown> }; errors: { path: unknown[]; extensions: { code: string; reason: string } }[] };
      expect(body.data.customer).toEqual({ id: ADULT.id, firstName: null, emails: null });
      expect(body.errors.map((e) => [e.path.join('.'), e.extensions.code, e.extensions.reason])).toEqual([
        ['customer.firstName', 'FORBIDDEN_BY_POLICY', 'CONSENT_WITHDRAWN'],
        ['customer.emails', 'FORBIDDEN_BY_POLICY', 'CONSENT_WITHDRAWN'],
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
      const ds = dataSourceFor('gateway', env.urls.gateway);
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

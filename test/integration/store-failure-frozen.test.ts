import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createGroupCommitWriter } from '../../src/audit/log-writer';
import { ADULT } from '../fixtures/customers';
import { graphql, httpRequest } from '../support/processes';
import { childrenOf, rootUnavailable, routeUnavailable } from '../support/store-failure';
import {
  ACCESS_LOG, asAuditor, asDpo, DENIED_ONLY, DIR, env, expectAnswer, EXPLAIN, GRANT, healthz, HISTORY, marketingRead, PROMPT_MS, read, READ, readyz,
  subjectExport, useFailureGateway, waitReady, WITHDRAW,
} from '../support/store-failure-gateway';

/**
 * Failure and recovery (issue 6, item 2), when PostgreSQL stops answering. A gateway process
 * runs over a PostgreSQL of this file's own (useFailureGateway), which is frozen (SIGSTOP:
 * connections stay open and nothing answers, as when a host vanishes), then thawed, the gateway
 * process running throughout: /readyz answers 503 within its bound instead of hanging, /healthz
 * stays 200, and the gateway serves again by itself. The access-log writer likewise refuses an
 * append it cannot commit in time. Refused connections, a stopped server and the restart are in
 * store-failure-refused.test.ts.
 *
 * Every statement is bounded on the client (issue 16, item 3; src/stores/statement-bound.ts): a
 * request that needs the frozen server gets its coded 503 within GATEWAY_STORE_STATEMENT_TIMEOUT_MS
 * (a pooled connection) or the pool's connection timeout (a new one), both 3 s, instead of waiting
 * for the request's own timeout. The same bound turns a statement stuck behind a lock into the
 * code of what it was reading; the access log's writer waits up to its commit timeout.
 */
useFailureGateway();

/** GATEWAY_STORE_STATEMENT_TIMEOUT_MS and the connection timeout (the gateway process runs with the defaults), and what an answer may take beyond them. */
const STORE_BOUND_MS = 3_000;
const MARGIN_MS = 1_500;
/** The access-log writer's commit timeout, which also bounds its statements (src/audit/log-writer.ts). */
const LOG_BOUND_MS = 15_000;
/** GATEWAY_EXECUTION_TIMEOUT_MS's default. */
const EXECUTION_MS = 10_000;
const CRM_DOWN = 'The CRM store is unavailable';
const auditExport = () => httpRequest(env.gw.port, { path: '/audit/export', headers: { authorization: `Bearer ${env.tokens.auditor}` }, timeoutMs: 30_000 });

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

  test('a customer read is 503 STORE_UNAVAILABLE within the statement bound (it was a 10 s REQUEST_TIMEOUT), with no data', async () => {
    expectAnswer(await read(), 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', CRM_DOWN, { customer: null }), STORE_BOUND_MS + MARGIN_MS);
  });

  test('every operation at once, pooled connections and new ones alike: its coded 503 within the bound', async () => {
    const [r, m, denied, explain, withdraw, grant, history, log, subject] = await Promise.all([
      read(), marketingRead(), read(DENIED_ONLY), asDpo(EXPLAIN), asDpo(WITHDRAW), asDpo(GRANT), asDpo(HISTORY), asAuditor(ACCESS_LOG), subjectExport(),
    ]);
    const within = STORE_BOUND_MS + MARGIN_MS;
    expectAnswer(r, 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', CRM_DOWN, { customer: null }), within);
    expectAnswer(m, 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', CRM_DOWN, { customer: null }), within);
    expectAnswer(denied, 503, rootUnavailable('customer', 3, 'STORE_UNAVAILABLE', CRM_DOWN, { customer: null }), within);
    expectAnswer(explain, 503, rootUnavailable('explain', 3, 'STORE_UNAVAILABLE', CRM_DOWN, null), within);
    expectAnswer(withdraw, 503, rootUnavailable('withdrawConsent', 12, 'STORE_UNAVAILABLE', CRM_DOWN, null), within);
    expectAnswer(grant, 503, rootUnavailable('grantConsent', 12, 'STORE_UNAVAILABLE', CRM_DOWN, null), within);
    expectAnswer(history, 503, rootUnavailable('consentHistory', 3, 'STORE_UNAVAILABLE', CRM_DOWN, null), within);
    expectAnswer(log, 503, rootUnavailable('accessLog', 3, 'STORE_UNAVAILABLE', 'The access log could not be read', null), within);
    expectAnswer(subject, 503, routeUnavailable('STORE_UNAVAILABLE', 'A personal-data store is unavailable'), within);
  });

  test('/audit/export, which logs itself first, is 503 AUDIT_UNAVAILABLE within the access-log writer\'s bound', async () => {
    expectAnswer(await auditExport(), 503, routeUnavailable('AUDIT_UNAVAILABLE', 'The access log could not be written; nothing is exported'), LOG_BOUND_MS + MARGIN_MS);
  });

  test('thawed: ready and serving again by itself', async () => {
    signal('SIGCONT');
    await waitReady(15_000);
    expect((await read()).status).toBe(200);
  });
});

describe('PostgreSQL answering, one table locked (a migration, a runaway transaction): the statements that need it wait', () => {
  let holder: Client | null = null;
  /** Takes `lock` in an open transaction of the owner's, until the test's end. */
  async function hold(lock: string): Promise<void> {
    holder = new Client({ connectionString: env.urls.gateway });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(lock);
  }
  afterEach(async () => {
    await holder?.query('ROLLBACK');
    await holder?.end();
    holder = null;
  });

  test('the customer state locked: a read is 503 CONSENT_STATE_UNAVAILABLE within the statement bound (the CRM answered)', async () => {
    await waitReady(15_000);
    await hold('LOCK TABLE consent_events IN ACCESS EXCLUSIVE MODE');
    expectAnswer(await read(), 503,
      rootUnavailable('customer', 3, 'CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned', { customer: null }), STORE_BOUND_MS + MARGIN_MS);
  });

  test('the access log locked against writes: /audit/export is 503 AUDIT_UNAVAILABLE within the writer\'s bound; a GraphQL read meets its execution timeout first (503 REQUEST_TIMEOUT, no data)', async () => {
    await hold('LOCK TABLE access_log IN SHARE MODE'); // reads of the log go on; inserts wait
    const [exported, r] = await Promise.all([
      auditExport(),
      graphql(env.gw.port, { token: env.tokens.crm, purpose: 'account_management', query: READ, timeoutMs: 30_000 }),
    ]);
    expectAnswer(exported, 503, routeUnavailable('AUDIT_UNAVAILABLE', 'The access log could not be written; nothing is exported'), LOG_BOUND_MS + MARGIN_MS);
    expectAnswer(r, 503, routeUnavailable('REQUEST_TIMEOUT', 'The request did not finish in time; no data is returned'), EXECUTION_MS + MARGIN_MS);
  });

  test('released: serving again, nothing waits', async () => {
    const r = await read();
    expect({ status: r.status, body: r.json }).toEqual({
      status: 200, body: { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } },
    });
    expect(r.endedAt - r.startedAt).toBeLessThan(PROMPT_MS);
  });
});

test('the access-log writer refuses an append it cannot commit in time (a database that stopped answering)', async () => {
  const hung = { createQueryRunner: () => ({ connect: () => new Promise<never>(() => undefined), release: async () => undefined }) } as unknown as DataSource;
  const writer = createGroupCommitWriter(hung, { commitTimeoutMs: 300 });
  const meta = { requestId: 'r1', caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, clientAddress: null, policyHash: 'h', at: new Date() };
  const record = { customerId: ADULT.id, typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW' as const, reason: null, rule: null };
  const started = performance.now();
  await expect(writer.append(meta, [record])).rejects.toThrow('access-log commit timed out');
  expect(performance.now() - started).toBeLessThan(2_000);
});

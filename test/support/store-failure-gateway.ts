import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { ensureDatabases } from '../../src/db/embedded-postgres';
import { closeStores, openStores } from '../../src/stores/open-stores';
import { StoreName } from '../../ormconfig';
import { ADULT, grantConsent, insertCustomers } from '../fixtures/customers';
import { ClusterProcess, freePort, GatewayProcess, graphql, httpRequest, HttpResult, spawnGateway, startClusterProcess, tokenFor } from './processes';

/**
 * Set-up shared by the failure-and-recovery tests (issue 6, item 2: store-failure-refused and
 * store-failure-frozen). A gateway process (dist/src/main.js) runs over an embedded PostgreSQL of
 * the test file's own, in .data/, so stopping it leaves the suite's shared server alone; the
 * customer ADULT has consented to marketing. Here too: the requests the tests send, and the check
 * every 503 answer passes (prompt, coded, no personal data, no stack, no driver detail).
 */

export const DIR = path.resolve(__dirname, '../../.data', `failure-pg-${process.pid}`);
export const DBS: Record<StoreName, string> = { gateway: 'gateway', crm: 'crm', billing: 'billing' };
/**
 * A store that does not answer is given up on within 3 s: a new connection by the pool's
 * connectionTimeoutMillis, a statement on a pooled one by GATEWAY_STORE_STATEMENT_TIMEOUT_MS
 * (src/stores/statement-bound.ts). Every answer during an outage comes well within this.
 */
export const PROMPT_MS = 5_000;

/** The file's PostgreSQL (null while stopped), its gateway process and the callers' tokens, set in its beforeAll. */
export const env = { cluster: null } as {
  pgPort: number;
  cluster: ClusterProcess | null;
  urls: Record<StoreName, string>;
  gw: GatewayProcess;
  tokens: Record<'crm' | 'billing' | 'marketing' | 'dpo' | 'auditor', string>;
};
/** Request ids of every 503 answer: none of them may have access-log entries. */
export const withheld: string[] = [];

export const READ = `{ customer(id: "${ADULT.id}") { id firstName emails { address } } }`;
/** Only categories the purpose never covers: decided without customer state, denied, logged. */
export const DENIED_ONLY = `{ customer(id: "${ADULT.id}") { nationalId } }`;
export const EXPLAIN = `{ explain(customerId: "${ADULT.id}", purpose: "marketing", categories: ["contact.email"]) { decisions { category effect reason } } }`;
export const WITHDRAW = `mutation { withdrawConsent(customerId: "${ADULT.id}", purpose: "marketing") { action purpose } }`;
export const GRANT = `mutation { grantConsent(input: { customerId: "${ADULT.id}", purpose: "marketing", source: "email" }) { action purpose } }`;
export const HISTORY = `{ consentHistory(customerId: "${ADULT.id}") { kind action purpose } }`;
export const ACCESS_LOG = `{ accessLog(first: 5) { edges { node { requestId caller category effect } } } }`;

export const read = (query = READ) => graphql(env.gw.port, { token: env.tokens.crm, purpose: 'account_management', query });
export const marketingRead = () => graphql(env.gw.port, { token: env.tokens.marketing, purpose: 'marketing', query: READ });
export const asDpo = (query: string) => graphql(env.gw.port, { token: env.tokens.dpo, query });
export const asAuditor = (query: string) => graphql(env.gw.port, { token: env.tokens.auditor, query });
export const auditExport = () => httpRequest(env.gw.port, { path: '/audit/export', headers: { authorization: `Bearer ${env.tokens.auditor}` } });
export const subjectExport = () => httpRequest(env.gw.port, { path: `/subjects/${ADULT.id}/export`, headers: { 'x-purpose': 'data_subject_request', authorization: `Bearer ${env.tokens.dpo}` } });
export const readyz = () => httpRequest(env.gw.port, { path: '/readyz' });
export const healthz = () => httpRequest(env.gw.port, { path: '/healthz' });

/** `withinMs`: the bound the answer must come within (default PROMPT_MS). */
export function expectAnswer(r: HttpResult, status: number, body: unknown, withinMs = PROMPT_MS): void {
  expect({ status: r.status, body: r.json, type: r.headers['content-type'] }).toEqual({ status, body, type: 'application/json; charset=utf-8' });
  expect(r.endedAt - r.startedAt).toBeLessThan(withinMs);
  // No personal value of the customer, no stack, no SQL or driver detail in any answer.
  for (const s of [ADULT.firstName, ADULT.email, ADULT.lastName, 'stack', 'ECONNREFUSED', 'QueryFailedError', 'postgres']) expect(r.text).not.toContain(s);
  expect(r.text).not.toMatch(/\bat \S+ \(/);
  withheld.push(String(r.headers['x-request-id']));
}

export async function admin<T>(sql: string): Promise<T[]> {
  const c = new Client({ connectionString: env.cluster!.adminUrl });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function waitReady(timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const r = await readyz();
    if (r.status === 200) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms: ${r.text}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Registers the file's PostgreSQL, its databases and the gateway process over them (and a timeout for outages and restarts). */
export function useFailureGateway(): void {
  jest.setTimeout(240_000);

  beforeAll(async () => {
    fs.rmSync(DIR, { recursive: true, force: true });
    env.pgPort = await freePort();
    env.cluster = await startClusterProcess(DIR, env.pgPort);
    await ensureDatabases(env.cluster.adminUrl, Object.values(DBS));
    env.urls = { gateway: env.cluster.urlFor(DBS.gateway), crm: env.cluster.urlFor(DBS.crm), billing: env.cluster.urlFor(DBS.billing) };
    const stores = await openStores(env.urls, { migrate: true });
    try {
      await insertCustomers(stores, [ADULT]);
      await grantConsent(stores, ADULT.id, 'marketing');
    } finally {
      await closeStores(stores);
    }
    // The gateway connects as the runtime role, as deployed; env.urls are the owner's (fixtures, admin).
    env.gw = await spawnGateway({ gateway: env.cluster.runtimeUrlFor(DBS.gateway), crm: env.cluster.runtimeUrlFor(DBS.crm), billing: env.cluster.runtimeUrlFor(DBS.billing) });
    env.tokens = {
      crm: await tokenFor('crm-service', ['service']),
      billing: await tokenFor('billing-service', ['service']),
      marketing: await tokenFor('marketing-service', ['service']),
      dpo: await tokenFor('dpo-console', ['dpo']),
      auditor: await tokenFor('security-audit', ['auditor']),
    };
  });

  afterAll(async () => {
    await env.gw?.stop();
    await env.cluster?.stop();
    fs.rmSync(DIR, { recursive: true, force: true });
  });
}

import request from 'supertest';
import { startTestGateway, TestGateway } from './gateway';
import { ADULT, MINOR, OLD, insertCustomers } from '../fixtures/customers';

/**
 * Set-up and oracle shared by the tests of the security-team API over the access log (accessLog,
 * accessStats, GET /audit/export: access-log-api and access-log-export). Services read customers
 * through HTTP; then the auditor (`security-audit`) reads the log. Every expected answer is
 * computed here from the access_log_entries view as it stood just before the read (an independent
 * oracle of the documented filter semantics), never copied from the gateway.
 */

/** The gateway of the test file that called useAccessLogApi(), started in its beforeAll. */
export const env: { gw: TestGateway } = { gw: undefined as unknown as TestGateway };
export const AUDITOR = 'security-audit';
export const FORBIDDEN_ROLE = "The caller's roles do not allow this operation";
export const CURSOR = expect.stringMatching(/^[A-Za-z0-9_-]+$/);

export interface Row {
  id: string; row_id: string; part: number; batch_id: string; logged_at: Date; at: Date; request_id: string; caller: string; roles: string[]; purpose: string | null;
  justification: string | null; client_address: string | null; policy_hash: string; customer_id: string | null; type_name: string;
  field_path: string; fields: string[]; category: string; effect: string; reason: string | null; rule: string | null;
}
export interface Filter {
  customerId?: string; caller?: string; purpose?: string; category?: string; field?: string; effect?: string; reason?: string; from?: string; to?: string;
}

export const rows = (): Promise<Row[]> => env.gw.stores.gateway.query(
  `SELECT entry_id AS id, id::text AS row_id, part, batch_id::text AS batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
          customer_id, type_name, field_path, fields, category, effect, reason, rule FROM access_log_entries`);

/** The documented filter semantics, in JavaScript. */
export function matches(r: Row, f: Filter): boolean {
  if (f.customerId !== undefined && r.customer_id !== f.customerId) return false;
  if (f.caller !== undefined && r.caller !== f.caller) return false;
  if (f.purpose !== undefined && r.purpose !== f.purpose) return false;
  if (f.effect !== undefined && r.effect !== f.effect) return false;
  if (f.reason !== undefined && r.reason !== f.reason) return false;
  if (f.category !== undefined && r.category !== f.category && !r.category.startsWith(`${f.category}.`)) return false;
  if (f.field !== undefined) {
    const [type, name] = f.field.includes('.') ? f.field.split('.') : [null, f.field];
    if (type !== null && r.type_name !== type) return false;
    if (!r.fields.some((p) => { const path = p.split('[')[0]; return path === name || path.endsWith(`.${name}`); })) return false;
  }
  if (f.from !== undefined && r.at.getTime() < Date.parse(f.from)) return false;
  if (f.to !== undefined && r.at.getTime() >= Date.parse(f.to)) return false;
  return true;
}

/** Entries in (at, row, category within the row) order. */
export const byTime = (a: Row, b: Row) =>
  a.at.getTime() - b.at.getTime() || (BigInt(a.row_id) < BigInt(b.row_id) ? -1 : BigInt(a.row_id) > BigInt(b.row_id) ? 1 : 0) || a.part - b.part;
export const newestFirst = (all: Row[], f: Filter) => all.filter((r) => matches(r, f)).sort((a, b) => byTime(b, a));
export const oldestFirst = (all: Row[], f: Filter) => all.filter((r) => matches(r, f)).sort(byTime);

export const node = (r: Row) => ({
  id: r.id, at: r.at.toISOString(), loggedAt: r.logged_at.toISOString(), batchId: r.batch_id, requestId: r.request_id, caller: r.caller, roles: r.roles,
  purpose: r.purpose, justification: r.justification, clientAddress: r.client_address, policyHash: r.policy_hash, customerId: r.customer_id,
  typeName: r.type_name, fieldPath: r.field_path, fields: r.fields, category: r.category, effect: r.effect, reason: r.reason, rule: r.rule,
});
export const NODE_FIELDS = 'id at loggedAt batchId requestId caller roles purpose justification clientAddress policyHash customerId typeName fieldPath fields category effect reason rule';
export const ACCESS_LOG = `query($filter: AccessLogFilterInput, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) { edges { cursor node { ${NODE_FIELDS} } } pageInfo { endCursor hasNextPage } } }`;
export const ACCESS_STATS = `query($groupBy: AccessStatsGroupBy!, $filter: AccessLogFilterInput) { accessStats(groupBy: $groupBy, filter: $filter) { key count } }`;

/** Counts per key, most first, ties in byte order of the key: what accessStats documents. */
export function stats(all: Row[], key: (r: Row) => string, f: Filter): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of all.filter((x) => matches(x, f))) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return [...counts].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function asAuditor(query: string, variables: Record<string, unknown>, justification = 'CASE-7') {
  return env.gw.gql({ token: await env.gw.token(AUDITOR, ['auditor']), query, variables, headers: { 'x-justification': justification } });
}

export function exportLog(query: string, token: string | null, headers: Record<string, string> = {}) {
  let r = request(env.gw.gateway.server).get(`/audit/export${query}`).buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done(null, text));
    });
  if (token) r = r.set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  return r;
}
export const ndjson = (body: unknown) => (body as string).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
export const jsonBody = (r: request.Response) => JSON.parse(typeof r.body === 'string' ? r.body : r.text);

/** The access-log entries written for one request. */
export const entriesOf = (requestId: string) => env.gw.stores.gateway.query(
  `SELECT caller, roles, purpose, justification, customer_id, type_name, field_path, fields, category, effect, reason, rule FROM access_log_entries WHERE request_id = $1`, [requestId]);
export const readEntry = (fieldPath: string, customerId: string | null, rule = 'roles.auditor', caller = AUDITOR, roles = ['auditor'], justification: string | null = 'CASE-7') => ({
  caller, roles, purpose: null, justification, customer_id: customerId, type_name: 'AccessLog', field_path: fieldPath, fields: [],
  category: 'access_log', effect: 'ALLOW', reason: null, rule,
});

/** Request ids of the services' reads, in order, and the instants between them. */
export const reads: { requestId: string; at: Date }[] = [];

/** Registers the file's gateway and the services' reads that every test reads the log of. */
export function useAccessLogApi(): void {
  beforeAll(async () => {
    env.gw = await startTestGateway();
    await insertCustomers(env.gw.stores, [ADULT, MINOR, OLD]);
    const asService = async (caller: string, purpose: string, query: string, variables?: Record<string, unknown>) => {
      const r = await env.gw.gql({ token: await env.gw.token(caller), purpose, query, variables });
      expect(r.status).toBe(200);
      const [{ at }] = await env.gw.stores.gateway.query(`SELECT min(at) AS at FROM access_log WHERE request_id = $1`, [r.headers['x-request-id']]);
      reads.push({ requestId: r.headers['x-request-id'], at });
    };
    const one = `query($id: ID!) { customer(id: $id) { firstName nationalId emails { address } phones { number } } }`;
    const many = `query($ids: [ID!]!) { customers(ids: $ids) { firstName lastName emails { address } bankAccounts { accountNumber } } }`;
    await asService('crm-service', 'account_management', one, { id: ADULT.id });
    await asService('marketing-service', 'marketing', many, { ids: [ADULT.id, MINOR.id] });
    await asService('billing-service', 'payment', many, { ids: [OLD.id, ADULT.id] });
    await asService('support-service', 'after_sales', one, { id: MINOR.id });
    await asService('crm-service', 'account_management', many, { ids: [MINOR.id, OLD.id] });
  });
  afterAll(() => env.gw.close());
}

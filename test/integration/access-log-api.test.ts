import request from 'supertest';
import { startTestGateway, TestGateway } from '../support/gateway';
import { ADULT, MINOR, OLD, insertCustomers } from '../fixtures/customers';
import { denied, expectResponse, rootError } from '../fixtures/pack-scenarios';

/**
 * The security-team API over the access log (accessLog, accessStats, GET /audit/export).
 * Services read customers through HTTP; then the auditor (`security-audit`) reads the log. Every
 * expected answer is computed here from the access_log table as it stood just before the read
 * (an independent oracle of the documented filter semantics), never copied from the gateway.
 */
let gw: TestGateway;
const AUDITOR = 'security-audit';
const FORBIDDEN_ROLE = "The caller's roles do not allow this operation";
const CURSOR = expect.stringMatching(/^[A-Za-z0-9_-]+$/);

interface Row {
  id: string; row_id: string; part: number; batch_id: string; logged_at: Date; at: Date; request_id: string; caller: string; roles: string[]; purpose: string | null;
  justification: string | null; client_address: string | null; policy_hash: string; customer_id: string | null; type_name: string;
  field_path: string; fields: string[]; category: string; effect: string; reason: string | null; rule: string | null;
}
interface Filter {
  customerId?: string; caller?: string; purpose?: string; category?: string; field?: string; effect?: string; reason?: string; from?: string; to?: string;
}

const rows = (): Promise<Row[]> => gw.stores.gateway.query(
  `SELECT entry_id AS id, id::text AS row_id, part, batch_id::text AS batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
          customer_id, type_name, field_path, fields, category, effect, reason, rule FROM access_log_entries`);

/** The documented filter semantics, in JavaScript. */
function matches(r: Row, f: Filter): boolean {
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
const byTime = (a: Row, b: Row) =>
  a.at.getTime() - b.at.getTime() || (BigInt(a.row_id) < BigInt(b.row_id) ? -1 : BigInt(a.row_id) > BigInt(b.row_id) ? 1 : 0) || a.part - b.part;
const newestFirst = (all: Row[], f: Filter) => all.filter((r) => matches(r, f)).sort((a, b) => byTime(b, a));
const oldestFirst = (all: Row[], f: Filter) => all.filter((r) => matches(r, f)).sort(byTime);

const node = (r: Row) => ({
  id: r.id, at: r.at.toISOString(), loggedAt: r.logged_at.toISOString(), batchId: r.batch_id, requestId: r.request_id, caller: r.caller, roles: r.roles,
  purpose: r.purpose, justification: r.justification, clientAddress: r.client_address, policyHash: r.policy_hash, customerId: r.customer_id,
  typeName: r.type_name, fieldPath: r.field_path, fields: r.fields, category: r.category, effect: r.effect, reason: r.reason, rule: r.rule,
});
const NODE_FIELDS = 'id at loggedAt batchId requestId caller roles purpose justification clientAddress policyHash customerId typeName fieldPath fields category effect reason rule';
const ACCESS_LOG = `query($filter: AccessLogFilterInput, $first: Int, $after: String) {
  accessLog(filter: $filter, first: $first, after: $after) { edges { cursor node { ${NODE_FIELDS} } } pageInfo { endCursor hasNextPage } } }`;
const ACCESS_STATS = `query($groupBy: AccessStatsGroupBy!, $filter: AccessLogFilterInput) { accessStats(groupBy: $groupBy, filter: $filter) { key count } }`;

/** Counts per key, most first, ties in byte order of the key: what accessStats documents. */
function stats(all: Row[], key: (r: Row) => string, f: Filter): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of all.filter((x) => matches(x, f))) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return [...counts].map(([k, count]) => ({ key: k, count })).sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function asAuditor(query: string, variables: Record<string, unknown>, justification = 'CASE-7') {
  return gw.gql({ token: await gw.token(AUDITOR, ['auditor']), query, variables, headers: { 'x-justification': justification } });
}

function exportLog(query: string, token: string | null, headers: Record<string, string> = {}) {
  let r = request(gw.gateway.server).get(`/audit/export${query}`).buffer(true)
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
const ndjson = (body: unknown) => (body as string).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const jsonBody = (r: request.Response) => JSON.parse(typeof r.body === 'string' ? r.body : r.text);

/** The access-log entries written for one request. */
const entriesOf = (requestId: string) => gw.stores.gateway.query(
  `SELECT caller, roles, purpose, justification, customer_id, type_name, field_path, fields, category, effect, reason, rule FROM access_log_entries WHERE request_id = $1`, [requestId]);
const readEntry = (fieldPath: string, customerId: string | null, rule = 'roles.auditor', caller = AUDITOR, roles = ['auditor'], justification: string | null = 'CASE-7') => ({
  caller, roles, purpose: null, justification, customer_id: customerId, type_name: 'AccessLog', field_path: fieldPath, fields: [],
  category: 'access_log', effect: 'ALLOW', reason: null, rule,
});

/** Request ids of the services' reads, in order, and the instants between them. */
const reads: { requestId: string; at: Date }[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT, MINOR, OLD]);
  const asService = async (caller: string, purpose: string, query: string, variables?: Record<string, unknown>) => {
    const r = await gw.gql({ token: await gw.token(caller), purpose, query, variables });
    expect(r.status).toBe(200);
    const [{ at }] = await gw.stores.gateway.query(`SELECT min(at) AS at FROM access_log WHERE request_id = $1`, [r.headers['x-request-id']]);
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
afterAll(() => gw.close());

describe('accessLog', () => {
  test('each filter, alone and combined, returns exactly the matching entries, newest first, whole entries', async () => {
    const filters: Filter[] = [
      { customerId: ADULT.id },
      { caller: 'marketing-service', effect: 'DENY' },
      { reason: 'NO_CONSENT' },
      { purpose: 'account_management', category: 'identity', customerId: MINOR.id },
      { category: 'contact' },
      { category: 'contact.email', effect: 'ALLOW' },
      { field: 'address' },
      { field: 'Customer.firstName', caller: 'crm-service' },
      { effect: 'DENY', from: reads[1].at.toISOString(), to: reads[3].at.toISOString() },
      { customerId: OLD.id, from: reads[2].at.toISOString() },
    ];
    for (const filter of filters) {
      const expected = newestFirst(await rows(), filter);
      expect(expected.length).toBeGreaterThan(0); // each filter finds something, or the test would prove little
      const r = await asAuditor(ACCESS_LOG, { filter, first: 500 });
      expectResponse(r, 200, {
        data: { accessLog: { edges: expected.map((e) => ({ cursor: CURSOR, node: node(e) })), pageInfo: { endCursor: CURSOR, hasNextPage: false } } },
      });
      const { edges, pageInfo } = r.body.data.accessLog;
      expect(pageInfo.endCursor).toBe(edges[edges.length - 1].cursor);
    }
    // The category filter matches children, never a mere prefix of the name.
    expect(new Set(newestFirst(await rows(), { category: 'contact' }).map((e) => e.category))).toEqual(new Set(['contact.email', 'contact.phone']));
  });

  test('a filter matching nothing: no edges, null endCursor', async () => {
    expectResponse(await asAuditor(ACCESS_LOG, { filter: { caller: 'crm-service', purpose: 'marketing' } }), 200, {
      data: { accessLog: { edges: [], pageInfo: { endCursor: null, hasNextPage: false } } },
    });
  });

  test('two pages with the cursor: together exactly the matching entries, no overlap, no gap', async () => {
    const filter = { customerId: MINOR.id, effect: 'ALLOW' };
    const expected = newestFirst(await rows(), filter);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const first = Math.ceil(expected.length / 2);
    const p1 = await asAuditor(ACCESS_LOG, { filter, first });
    expectResponse(p1, 200, {
      data: { accessLog: { edges: expected.slice(0, first).map((e) => ({ cursor: CURSOR, node: node(e) })), pageInfo: { endCursor: CURSOR, hasNextPage: true } } },
    });
    // The first read is itself logged (customer MINOR, newest of all): it does not shift page 2.
    const p2 = await asAuditor(ACCESS_LOG, { filter, first, after: p1.body.data.accessLog.pageInfo.endCursor });
    expectResponse(p2, 200, {
      data: { accessLog: { edges: expected.slice(first).map((e) => ({ cursor: CURSOR, node: node(e) })), pageInfo: { endCursor: CURSOR, hasNextPage: false } } },
    });
  });

  test('default page size is 50', async () => {
    // 60 more entries (written directly, as the writer would), so that there is a second page.
    await gw.stores.gateway.query(
      `INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, policy_hash, customer_id, type_name, field_path, fields, category, effect, reason, rule)
       SELECT 0, now(), now() - interval '30 minutes' + g * interval '1 millisecond', 'page-' || g, 'page-test', '{service}', 'account_management', 'h',
              'cus_page', 'Customer', 'customer', '{firstName}', 'identity.name', 'ALLOW', NULL, 'purposes.account_management.lawful_basis'
       FROM generate_series(1, 60) g`);
    const expected = newestFirst(await rows(), {});
    expect(expected.length).toBeGreaterThan(50);
    const r = await asAuditor(ACCESS_LOG, {});
    expectResponse(r, 200, {
      data: { accessLog: { edges: expected.slice(0, 50).map((e) => ({ cursor: CURSOR, node: node(e) })), pageInfo: { endCursor: CURSOR, hasNextPage: true } } },
    });
  });

  test('a DPO reads the log of one customer (right of access), not the whole log', async () => {
    const filter = { customerId: ADULT.id };
    const expected = newestFirst(await rows(), filter);
    const r = await gw.gql({ token: await gw.token('dpo-console', ['dpo']), query: ACCESS_LOG, variables: { filter, first: 500 } });
    expectResponse(r, 200, {
      data: { accessLog: { edges: expected.map((e) => ({ cursor: CURSOR, node: node(e) })), pageInfo: { endCursor: CURSOR, hasNextPage: false } } },
    });
    expect(await entriesOf(r.headers['x-request-id'])).toEqual([readEntry('accessLog', ADULT.id, 'roles.dpo', 'dpo-console', ['dpo'], null)]);

    const all = await gw.gql({ token: await gw.token('dpo-console', ['dpo']), query: ACCESS_LOG, variables: { filter: { caller: 'crm-service' } } });
    expectResponse(all, 403, { data: null, errors: [rootError(ACCESS_LOG, 'accessLog', 'FORBIDDEN', 'A DPO reads the access log of one customer: set filter.customerId')] });
    const s = await gw.gql({ token: await gw.token('dpo-console', ['dpo']), query: ACCESS_STATS, variables: { groupBy: 'caller', filter } });
    expectResponse(s, 403, { data: null, errors: [rootError(ACCESS_STATS, 'accessStats', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    expect(await entriesOf(all.headers['x-request-id'])).toEqual([]);
  });

  test("a list's records read alike are one path with their positions (`emails.0-2.address`), found by the field filter", async () => {
    for (const address of ['second.fixture@example.test', 'third.fixture@example.test']) {
      await gw.stores.crm.query(`INSERT INTO emails (customer_id, address, "primary", source, collected_at) VALUES ($1, $2, false, 'signup_form', now())`, [ADULT.id, address]);
    }
    const query = `query($id: ID!) { customer(id: $id) { emails { address primary } mail: emails { address } accounts { loginEvents { ipAddress occurredAt } } } }`;
    const read = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query, variables: { id: ADULT.id } });
    const emails = [ADULT.email, 'second.fixture@example.test', 'third.fixture@example.test'];
    const notInPurpose = (event: number, field: string, category: string) =>
      denied(query, ['customer', 'accounts', 0, 'loginEvents', event, field], 'CATEGORY_NOT_IN_PURPOSE', category, 'purposes.account_management.categories');
    expectResponse(read, 200, {
      errors: [0, 1].flatMap((e) => [notInPurpose(e, 'ipAddress', 'technical.ip_address'), notInPurpose(e, 'occurredAt', 'technical.activity_time')]),
      data: { customer: {
        emails: emails.map((address, i) => ({ address, primary: i === 0 })), mail: emails.map((address) => ({ address })),
        accounts: [{ loginEvents: [{ ipAddress: null, occurredAt: null }, { ipAddress: null, occurredAt: null }] }],
      } },
    });
    // One path per (list, field) with the positions read; a nested list's positions under its parent record.
    const entry = { caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, customer_id: ADULT.id, field_path: 'customer' };
    const requestId = read.headers['x-request-id'];
    // (Entries by category: the order of a request's rows follows the order its fields resolved in.)
    const byCategory = (a: { category: string }, b: { category: string }) => (a.category < b.category ? -1 : a.category > b.category ? 1 : 0);
    expect((await entriesOf(requestId)).sort(byCategory)).toEqual([
      { ...entry, type_name: 'Email', fields: ['emails.0-2.address', 'emails.0-2.primary', 'mail.0-2.address'], category: 'contact.email',
        effect: 'ALLOW', reason: null, rule: 'purposes.account_management.lawful_basis' },
      { ...entry, type_name: 'LoginEvent', fields: ['accounts.0.loginEvents.0-1.occurredAt'], category: 'technical.activity_time',
        effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.account_management.categories' },
      { ...entry, type_name: 'LoginEvent', fields: ['accounts.0.loginEvents.0-1.ipAddress'], category: 'technical.ip_address',
        effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.account_management.categories' },
    ]);
    const filter = { customerId: ADULT.id, field: 'Email.address' };
    const [newest] = newestFirst(await rows(), filter);
    expect(newest.request_id).toBe(requestId);
    expectResponse(await asAuditor(ACCESS_LOG, { filter, first: 1 }), 200, {
      data: { accessLog: { edges: [{ cursor: CURSOR, node: node(newest) }], pageInfo: { endCursor: CURSOR, hasNextPage: true } } },
    });
  });
});

describe('accessStats', () => {
  test('by caller, by reason (denials), by day (one customer): counts most first', async () => {
    const cases: [string, (r: Row) => string, Filter][] = [
      ['caller', (r) => r.caller, {}],
      ['reason', (r) => r.reason ?? '(none)', { effect: 'DENY' }],
      ['reason', (r) => r.reason ?? '(none)', { caller: 'marketing-service' }],
      ['day', (r) => r.at.toISOString().slice(0, 10), { customerId: ADULT.id }],
      ['category', (r) => r.category, { category: 'identity', from: reads[0].at.toISOString() }],
    ];
    for (const [groupBy, key, filter] of cases) {
      const expected = stats(await rows(), key, filter);
      expect(expected.length).toBeGreaterThan(0);
      expectResponse(await asAuditor(ACCESS_STATS, { groupBy, filter }), 200, { data: { accessStats: expected } });
    }
  });
});

describe('GET /audit/export', () => {
  test('NDJSON, oldest first, exactly the rows of the table for the filter, its own entry included', async () => {
    const from = reads[1].at.toISOString();
    const r = await exportLog(`?customerId=${ADULT.id}&from=${encodeURIComponent(from)}`, await gw.token(AUDITOR, ['auditor']), { 'x-justification': 'CASE-7' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = ndjson(r.body);
    // The export was recorded before the first row was streamed: it is among its own rows.
    const expected = oldestFirst(await rows(), { customerId: ADULT.id, from });
    expect(lines).toEqual(expected.map(node));
    const [{ n }] = await gw.stores.gateway.query(`SELECT count(*)::int AS n FROM access_log_entries WHERE customer_id = $1 AND at >= $2`, [ADULT.id, from]);
    expect(lines.length).toBe(n);
    expect(lines[lines.length - 1]).toMatchObject({ requestId: r.headers['x-request-id'], typeName: 'AccessLog', fieldPath: 'auditExport' });
    expect(await entriesOf(r.headers['x-request-id'])).toEqual([readEntry('auditExport', ADULT.id)]);
  });

  test('a date-only range and several filters', async () => {
    const today = reads[0].at.toISOString().slice(0, 10);
    const tomorrow = new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10);
    const filter = { effect: 'DENY', category: 'contact', from: `${today}T00:00:00.000Z`, to: `${tomorrow}T00:00:00.000Z` };
    const r = await exportLog(`?effect=DENY&category=contact&from=${today}&to=${tomorrow}`, await gw.token(AUDITOR, ['auditor']));
    expect(r.status).toBe(200);
    const expected = oldestFirst(await rows(), filter);
    expect(expected.length).toBeGreaterThan(0);
    expect(ndjson(r.body)).toEqual(expected.map(node));
  });

  test('bad or unknown parameters: 400 BAD_USER_INPUT naming the parameter, never its value, nothing logged', async () => {
    const token = await gw.token(AUDITOR, ['auditor']);
    const cases: [string, string][] = [
      ['?from=yesterday', 'from must be an ISO 8601 date or date-time with a time zone'],
      [`?customerId=${encodeURIComponent("cus'; DROP TABLE access_log; --")}`, 'customerId is not a customer id'],
      ['?effect=PERMIT', 'effect must be one of ALLOW, MASK, DENY'],
      ['?from=2026-02-01&to=2026-01-01', 'from must be before to'],
      ['?caller=a&caller=b', 'caller is given more than once'],
      ['?email=somchai.fixture%40example.test', 'unknown query parameter; the filters are customerId, caller, purpose, category, field, effect, reason, from, to'],
    ];
    for (const [qs, message] of cases) {
      const r = await exportLog(qs, token);
      expect({ status: r.status, type: r.headers['content-type'], body: jsonBody(r) })
        .toEqual({ status: 400, type: 'application/json; charset=utf-8', body: { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] } });
      expect(r.text ?? r.body).not.toMatch(/DROP|somchai|PERMIT|yesterday/);
      expect(await entriesOf(r.headers['x-request-id'])).toEqual([]);
    }
  });

  test('pages through more rows than one page (5,000), in order, none lost or repeated', async () => {
    // 12,000 entries of one bulk caller: 4,000 rows of three categories each, as requests of 3 rows
    // sharing their `at`. Pages end inside a row (5,000 = row 1,667, its second category).
    await gw.stores.gateway.query(
      `INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, policy_hash, customer_id, field_path, effect, reason, rule,
                               categories, category_types, category_field_ends, fields)
       SELECT 0, now(), now() - interval '1 hour' + (g / 3) * interval '1 millisecond', 'bulk-' || (g / 3), 'bulk-test', '{service}', 'account_management', 'h',
              'cus_bulk_' || (g % 7), 'customers.' || (g % 3), 'ALLOW', NULL, 'purposes.account_management.lawful_basis',
              '{identity.name,contact.email,contact.phone}', '{Customer,Email,Phone}', '{1,3,3}', '{firstName,emails.0.address,emails.1.address}'
       FROM generate_series(0, 3999) g`);
    const r = await exportLog('?caller=bulk-test', await gw.token(AUDITOR, ['auditor']));
    expect(r.status).toBe(200);
    const lines = ndjson(r.body);
    expect(lines.length).toBe(12_000);
    expect(lines).toEqual(oldestFirst(await rows(), { caller: 'bulk-test' }).map(node));
  });
});

describe('who may read the log', () => {
  test('a service: 403 FORBIDDEN on accessLog, accessStats and the export; nothing logged', async () => {
    const token = await gw.token('crm-service');
    const l = await gw.gql({ token, query: ACCESS_LOG, variables: { filter: { customerId: ADULT.id } } });
    expectResponse(l, 403, { data: null, errors: [rootError(ACCESS_LOG, 'accessLog', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    const s = await gw.gql({ token, query: ACCESS_STATS, variables: { groupBy: 'caller' } });
    expectResponse(s, 403, { data: null, errors: [rootError(ACCESS_STATS, 'accessStats', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    const e = await exportLog(`?customerId=${ADULT.id}`, token);
    expect({ status: e.status, body: jsonBody(e) }).toEqual({ status: 403, body: { errors: [{ message: FORBIDDEN_ROLE, extensions: { code: 'FORBIDDEN' } }] } });
    for (const x of [l, s, e]) expect(await entriesOf(x.headers['x-request-id'])).toEqual([]);
  });

  test('a service token claiming the auditor role is narrowed by the pack: 403; no token: 401', async () => {
    const token = await gw.token('crm-service', ['auditor']);
    expectResponse(await gw.gql({ token, query: ACCESS_STATS, variables: { groupBy: 'caller' } }), 403, {
      data: null, errors: [rootError(ACCESS_STATS, 'accessStats', 'FORBIDDEN', FORBIDDEN_ROLE)],
    });
    const e = await exportLog('', token);
    expect({ status: e.status, body: jsonBody(e) }).toEqual({ status: 403, body: { errors: [{ message: FORBIDDEN_ROLE, extensions: { code: 'FORBIDDEN' } }] } });
    const anon = await exportLog('', null);
    expect({ status: anon.status, body: jsonBody(anon) }).toEqual({
      status: 401, body: { errors: [{ message: 'Authentication failed: missing Authorization header', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
  });
});

describe('bad filters', () => {
  test('400 BAD_USER_INPUT naming the argument, never its value; nothing logged', async () => {
    const secret = 'somchai.fixture@example.test';
    const cases: [Record<string, unknown>, string][] = [
      [{ filter: { customerId: secret } }, 'customerId is not a customer id'],
      [{ filter: { caller: 'Not A Caller' } }, 'caller is not a caller id'],
      [{ filter: { category: 'Contact;' } }, 'category is not a category (dotted lower-case name)'],
      [{ filter: { field: 'emails.0.address' } }, 'field is not a field name or Type.field'],
      [{ filter: { reason: 'no consent' } }, 'reason is not a reason code'],
      [{ filter: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, 'from must be before to'],
      [{ first: 0 }, 'first must be an integer from 1 to 500'],
      [{ first: 501 }, 'first must be an integer from 1 to 500'],
      [{ after: 'bm90IGEgY3Vyc29y' }, 'after is not a cursor returned by accessLog'],
      // The (at, id) cursors from before rows held several categories: a position no longer says which entry.
      [{ after: Buffer.from('2026-11-25T10:00:00.000000Z|12').toString('base64url') }, 'after is not a cursor returned by accessLog'],
      [{ after: Buffer.from('2026-11-25T10:00:00.000000Z|12|x').toString('base64url') }, 'after is not a cursor returned by accessLog'],
    ];
    for (const [variables, message] of cases) {
      const r = await asAuditor(ACCESS_LOG, variables);
      expectResponse(r, 400, { data: null, errors: [rootError(ACCESS_LOG, 'accessLog', 'BAD_USER_INPUT', message)] });
      expect(r.text).not.toContain(secret);
      expect(await entriesOf(r.headers['x-request-id'])).toEqual([]);
    }
    const s = await asAuditor(ACCESS_STATS, { groupBy: 'reason', filter: { purpose: 'Marketing!' } });
    expectResponse(s, 400, { data: null, errors: [rootError(ACCESS_STATS, 'accessStats', 'BAD_USER_INPUT', 'purpose is not a purpose key')] });
  });
});

describe('reads of the log are logged', () => {
  test('accessLog and accessStats each write one entry: caller, roles, justification, customer filtered on, rule', async () => {
    const l = await asAuditor(ACCESS_LOG, { filter: { customerId: OLD.id }, first: 1 });
    expect(l.status).toBe(200);
    expect(await entriesOf(l.headers['x-request-id'])).toEqual([readEntry('accessLog', OLD.id)]);
    const s = await asAuditor(ACCESS_STATS, { groupBy: 'effect' }, 'WEEKLY-REVIEW');
    expect(s.status).toBe(200);
    expect(await entriesOf(s.headers['x-request-id'])).toEqual([readEntry('accessStats', null, 'roles.auditor', AUDITOR, ['auditor'], 'WEEKLY-REVIEW')]);
    // And the auditor finds its own reads through the API.
    const mine = newestFirst(await rows(), { caller: AUDITOR, customerId: OLD.id });
    expect(mine[0]).toMatchObject({ request_id: l.headers['x-request-id'], field_path: 'accessLog' });
  });

  test('the log cannot be written: 503 AUDIT_UNAVAILABLE, no entries, no exported rows', async () => {
    await gw.stores.gateway.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'log refused'; END $$`);
    await gw.stores.gateway.query(`CREATE TRIGGER test_refuse BEFORE INSERT ON access_log FOR EACH STATEMENT EXECUTE FUNCTION test_refuse()`);
    try {
      const l = await asAuditor(ACCESS_LOG, { filter: { customerId: ADULT.id } });
      expect({ status: l.status, body: l.body }).toEqual({
        status: 503, body: { errors: [{ message: 'The access log could not be written; no personal data is returned', extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
      });
      const e = await exportLog(`?customerId=${ADULT.id}`, await gw.token(AUDITOR, ['auditor']));
      expect({ status: e.status, body: jsonBody(e) }).toEqual({
        status: 503, body: { errors: [{ message: 'The access log could not be written; nothing is exported', extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
      });
    } finally {
      await gw.stores.gateway.query('DROP TRIGGER test_refuse ON access_log; DROP FUNCTION test_refuse()');
    }
  });
});

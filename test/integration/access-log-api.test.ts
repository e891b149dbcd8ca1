import { ADULT, MINOR, OLD } from '../fixtures/customers';
import { denied, expectResponse, rootError } from '../fixtures/pack-scenarios';
import { env, useAccessLogApi, FORBIDDEN_ROLE, CURSOR, rows, newestFirst, node, ACCESS_LOG, ACCESS_STATS, entriesOf, readEntry, reads, matches, stats, asAuditor, Row, Filter } from '../support/access-log-api';

/**
 * The security-team queries over the access log: accessLog (filters, pages, the DPO's view, folded
 * list fields) and accessStats. Services read customers through HTTP first (useAccessLogApi); every
 * expected answer is computed from the access_log_entries view as it stood just before the read.
 */
useAccessLogApi();

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
    await env.gw.stores.gateway.query(
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
    const r = await env.gw.gql({ token: await env.gw.token('dpo-console', ['dpo']), query: ACCESS_LOG, variables: { filter, first: 500 } });
    expectResponse(r, 200, {
      data: { accessLog: { edges: expected.map((e) => ({ cursor: CURSOR, node: node(e) })), pageInfo: { endCursor: CURSOR, hasNextPage: false } } },
    });
    expect(await entriesOf(r.headers['x-request-id'])).toEqual([readEntry('accessLog', ADULT.id, 'roles.dpo', 'dpo-console', ['dpo'], null)]);

    const all = await env.gw.gql({ token: await env.gw.token('dpo-console', ['dpo']), query: ACCESS_LOG, variables: { filter: { caller: 'crm-service' } } });
    expectResponse(all, 403, { data: null, errors: [rootError(ACCESS_LOG, 'accessLog', 'FORBIDDEN', 'A DPO reads the access log of one customer: set filter.customerId')] });
    const s = await env.gw.gql({ token: await env.gw.token('dpo-console', ['dpo']), query: ACCESS_STATS, variables: { groupBy: 'caller', filter } });
    expectResponse(s, 403, { data: null, errors: [rootError(ACCESS_STATS, 'accessStats', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    expect(await entriesOf(all.headers['x-request-id'])).toEqual([]);
  });

  test("a list's records read alike are one path with their positions (`emails.0-2.address`), found by the field filter", async () => {
    for (const address of ['second.fixture@example.test', 'third.fixture@example.test']) {
      await env.gw.stores.crm.query(`INSERT INTO emails (customer_id, address, "primary", source, collected_at) VALUES ($1, $2, false, 'signup_form', now())`, [ADULT.id, address]);
    }
    const query = `query($id: ID!) { customer(id: $id) { emails { address primary } mail: emails { address } accounts { loginEvents { ipAddress occurredAt } } } }`;
    const read = await env.gw.gql({ token: await env.gw.token('crm-service'), purpose: 'account_management', query, variables: { id: ADULT.id } });
    const emails = [ADULT.email, 'second.fixture@example.test', 'third.fixture@example.test'];
    // account_management covers none of a login's categories: the logins under the account are denied as one list
    // (the first of the login's categories, none covered), not record by record.
    expectResponse(read, 200, {
      errors: [denied(query, ['customer', 'accounts', 0, 'loginEvents'], 'CATEGORY_NOT_IN_PURPOSE', 'technical.ip_address', 'purposes.account_management.categories')],
      data: { customer: {
        emails: emails.map((address, i) => ({ address, primary: i === 0 })), mail: emails.map((address) => ({ address })),
        accounts: [{ loginEvents: null }],
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
      { ...entry, type_name: 'LoginEvent', fields: ['accounts.0.loginEvents'], category: 'technical.ip_address',
        effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.account_management.categories' },
    ]);
    const filter = { customerId: ADULT.id, field: 'Email.address' };
    const [newest] = newestFirst(await rows(), filter);
    expect(newest.request_id).toBe(requestId);
    expectResponse(await asAuditor(ACCESS_LOG, { filter, first: 1 }), 200, {
      data: { accessLog: { edges: [{ cursor: CURSOR, node: node(newest) }], pageInfo: { endCursor: CURSOR, hasNextPage: true } } },
    });

    // A nested list the purpose sees (the DPO answering an access request): its records' fields are
    // one path each with the positions read, under the parent record.
    const logins = `query($id: ID!) { customer(id: $id) { accounts { loginEvents { ipAddress userAgent } } } }`;
    const dpo = await env.gw.gql({ token: await env.gw.token('dpo-console', ['dpo']), purpose: 'data_subject_request', query: logins, variables: { id: ADULT.id } });
    expectResponse(dpo, 200, {
      data: { customer: { accounts: [{ loginEvents: ADULT.loginsDaysAgo.map(() => ({ ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (fixture)' })) }] } },
    });
    expect(ADULT.loginsDaysAgo).toHaveLength(2);
    const dpoEntry = {
      caller: 'dpo-console', roles: ['dpo'], purpose: 'data_subject_request', justification: null, customer_id: ADULT.id, field_path: 'customer', type_name: 'LoginEvent',
      effect: 'ALLOW', reason: null, rule: 'purposes.data_subject_request.lawful_basis',
    };
    expect((await entriesOf(dpo.headers['x-request-id'])).sort(byCategory)).toEqual([
      { ...dpoEntry, fields: ['accounts.0.loginEvents.0-1.ipAddress'], category: 'technical.ip_address' },
      { ...dpoEntry, fields: ['accounts.0.loginEvents.0-1.userAgent'], category: 'technical.user_agent' },
    ]);
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

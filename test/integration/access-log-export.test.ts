import { ADULT, OLD } from '../fixtures/customers';
import { expectResponse, rootError } from '../fixtures/pack-scenarios';
import { env, useAccessLogApi, AUDITOR, FORBIDDEN_ROLE, rows, newestFirst, oldestFirst, node, ACCESS_LOG, ACCESS_STATS, ndjson, jsonBody, entriesOf, readEntry, reads, asAuditor, exportLog } from '../support/access-log-api';

/**
 * The access log's NDJSON export for a SIEM, who may read the log, bad filters, and the log's own
 * reads being logged. Same set-up and oracle as access-log-api.test.ts (useAccessLogApi).
 */
useAccessLogApi();

describe('GET /audit/export', () => {
  test('NDJSON, oldest first, exactly the rows of the table for the filter, its own entry included', async () => {
    const from = reads[1].at.toISOString();
    const r = await exportLog(`?customerId=${ADULT.id}&from=${encodeURIComponent(from)}`, await env.gw.token(AUDITOR, ['auditor']), { 'x-justification': 'CASE-7' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = ndjson(r.body);
    // The export was recorded before the first row was streamed: it is among its own rows.
    const expected = oldestFirst(await rows(), { customerId: ADULT.id, from });
    expect(lines).toEqual(expected.map(node));
    const [{ n }] = await env.gw.stores.gateway.query(`SELECT count(*)::int AS n FROM access_log_entries WHERE customer_id = $1 AND at >= $2`, [ADULT.id, from]);
    expect(lines.length).toBe(n);
    expect(lines[lines.length - 1]).toMatchObject({ requestId: r.headers['x-request-id'], typeName: 'AccessLog', fieldPath: 'auditExport' });
    expect(await entriesOf(r.headers['x-request-id'])).toEqual([readEntry('auditExport', ADULT.id)]);
  });

  test('a date-only range and several filters', async () => {
    const today = reads[0].at.toISOString().slice(0, 10);
    const tomorrow = new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10);
    const filter = { effect: 'DENY', category: 'contact', from: `${today}T00:00:00.000Z`, to: `${tomorrow}T00:00:00.000Z` };
    const r = await exportLog(`?effect=DENY&category=contact&from=${today}&to=${tomorrow}`, await env.gw.token(AUDITOR, ['auditor']));
    expect(r.status).toBe(200);
    const expected = oldestFirst(await rows(), filter);
    expect(expected.length).toBeGreaterThan(0);
    expect(ndjson(r.body)).toEqual(expected.map(node));
  });

  test('bad or unknown parameters: 400 BAD_USER_INPUT naming the parameter, never its value, nothing logged', async () => {
    const token = await env.gw.token(AUDITOR, ['auditor']);
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
    await env.gw.stores.gateway.query(
      `INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, policy_hash, customer_id, field_path, effect, reason, rule,
                               categories, category_types, category_field_ends, fields)
       SELECT 0, now(), now() - interval '1 hour' + (g / 3) * interval '1 millisecond', 'bulk-' || (g / 3), 'bulk-test', '{service}', 'account_management', 'h',
              'cus_bulk_' || (g % 7), 'customers.' || (g % 3), 'ALLOW', NULL, 'purposes.account_management.lawful_basis',
              '{identity.name,contact.email,contact.phone}', '{Customer,Email,Phone}', '{1,3,3}', '{firstName,emails.0.address,emails.1.address}'
       FROM generate_series(0, 3999) g`);
    const r = await exportLog('?caller=bulk-test', await env.gw.token(AUDITOR, ['auditor']));
    expect(r.status).toBe(200);
    const lines = ndjson(r.body);
    expect(lines.length).toBe(12_000);
    expect(lines).toEqual(oldestFirst(await rows(), { caller: 'bulk-test' }).map(node));
  });
});

describe('who may read the log', () => {
  test('a service: 403 FORBIDDEN on accessLog, accessStats and the export; nothing logged', async () => {
    const token = await env.gw.token('crm-service');
    const l = await env.gw.gql({ token, query: ACCESS_LOG, variables: { filter: { customerId: ADULT.id } } });
    expectResponse(l, 403, { data: null, errors: [rootError(ACCESS_LOG, 'accessLog', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    const s = await env.gw.gql({ token, query: ACCESS_STATS, variables: { groupBy: 'caller' } });
    expectResponse(s, 403, { data: null, errors: [rootError(ACCESS_STATS, 'accessStats', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    const e = await exportLog(`?customerId=${ADULT.id}`, token);
    expect({ status: e.status, body: jsonBody(e) }).toEqual({ status: 403, body: { errors: [{ message: FORBIDDEN_ROLE, extensions: { code: 'FORBIDDEN' } }] } });
    for (const x of [l, s, e]) expect(await entriesOf(x.headers['x-request-id'])).toEqual([]);
  });

  test('a service token claiming the auditor role is narrowed by the pack: 403; no token: 401', async () => {
    const token = await env.gw.token('crm-service', ['auditor']);
    expectResponse(await env.gw.gql({ token, query: ACCESS_STATS, variables: { groupBy: 'caller' } }), 403, {
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
    await env.gw.stores.gateway.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'log refused'; END $$`);
    await env.gw.stores.gateway.query(`CREATE TRIGGER test_refuse BEFORE INSERT ON access_log FOR EACH STATEMENT EXECUTE FUNCTION test_refuse()`);
    try {
      const l = await asAuditor(ACCESS_LOG, { filter: { customerId: ADULT.id } });
      expect({ status: l.status, body: l.body }).toEqual({
        status: 503, body: { errors: [{ message: 'The access log could not be written; no personal data is returned', extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
      });
      const e = await exportLog(`?customerId=${ADULT.id}`, await env.gw.token(AUDITOR, ['auditor']));
      expect({ status: e.status, body: jsonBody(e) }).toEqual({
        status: 503, body: { errors: [{ message: 'The access log could not be written; nothing is exported', extensions: { code: 'AUDIT_UNAVAILABLE' } }] },
      });
    } finally {
      await env.gw.stores.gateway.query('DROP TRIGGER test_refuse ON access_log; DROP FUNCTION test_refuse()');
    }
  });
});

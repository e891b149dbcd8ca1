import request from 'supertest';
import { TestGateway } from '../support/gateway';
import { exportUrl, exportSuite } from '../support/subject-export';

/**
 * The right-to-access export (GET /subjects/{id}/export, GraphQL subjectExport), refused: whole
 * coded responses, nothing exported, nothing logged, and nothing sent when the access log cannot
 * be written (test/support/subject-export.ts sets up the gateway and its subject).
 */
let gw: TestGateway;
let subject: { id: string; name: string };
let dpoToken: string;

const { get, dpo } = exportSuite((e) => ({ gw, subject, dpoToken } = e));

// ---------------------------------------------------------------------------------------------
// Refusals: whole responses, nothing exported, nothing logged
// ---------------------------------------------------------------------------------------------

describe('refused exports', () => {
  const err = (code: string, message: string, extra: Record<string, unknown> = {}) => ({ errors: [{ message, extensions: { code, ...extra } }] });
  const cases: [string, () => Promise<{ url: string; headers: Record<string, string> }>, number, ReturnType<typeof err>][] = [
    ['no token', async () => ({ url: exportUrl('cus_x'), headers: { 'x-purpose': 'data_subject_request' } }), 401, err('UNAUTHENTICATED', 'Authentication failed: missing Authorization header')],
    ['no X-Purpose', async () => ({ url: exportUrl('cus_x'), headers: { authorization: `Bearer ${dpoToken}` } }), 400,
      err('PURPOSE_REQUIRED', 'This operation reads personal data: declare a purpose in the X-Purpose header')],
    ['unknown purpose', async () => ({ url: exportUrl('cus_x'), headers: dpo({ 'x-purpose': 'curiosity' }) }), 400,
      err('UNKNOWN_PURPOSE', 'X-Purpose names no purpose of the policy pack in force', { purpose: 'curiosity' })],
    ['a service not registered for data_subject_request', async () => ({ url: exportUrl('cus_x'), headers: { authorization: `Bearer ${await gw.token('crm-service')}`, 'x-purpose': 'data_subject_request' } }), 403,
      err('PURPOSE_NOT_PERMITTED', 'The caller is not registered for this purpose', { purpose: 'data_subject_request' })],
    ['a service with its own purpose', async () => ({ url: exportUrl('cus_x'), headers: { authorization: `Bearer ${await gw.token('crm-service')}`, 'x-purpose': 'account_management' } }), 403,
      err('FORBIDDEN', 'The caller\'s roles do not allow this operation')],
    ['a DPO with another purpose', async () => ({ url: exportUrl('cus_x'), headers: dpo({ 'x-purpose': 'consent_management' }) }), 403,
      err('PURPOSE_NOT_PERMITTED', 'The subject export is made only for the purpose data_subject_request', { purpose: 'consent_management' })],
    ['a bad id', async () => ({ url: exportUrl('cus%20x%3B'), headers: dpo() }), 400, err('BAD_USER_INPUT', 'customerId is not a customer id')],
    ['a bad format', async () => ({ url: exportUrl('cus_x', '?format=pdf'), headers: dpo() }), 400, err('BAD_USER_INPUT', 'format must be json or html')],
    ['an unknown parameter', async () => ({ url: exportUrl('cus_x', '?fields=all'), headers: dpo() }), 400, err('BAD_USER_INPUT', 'unknown query parameter; the only one is format')],
    ['an unknown customer', async () => ({ url: exportUrl('cus_nobody'), headers: dpo() }), 404, err('NOT_FOUND', 'No customer with this id', { customerId: 'cus_nobody' })],
  ];
  test.each(cases)('%s', async (_name, make, status, body) => {
    const { url, headers } = await make();
    const r = await get(url, headers);
    expect({ status: r.status, type: r.headers['content-type'], body: r.body }).toEqual({ status, type: 'application/json; charset=utf-8', body });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(await gw.stores.gateway.query('SELECT count(*)::int AS n FROM access_log WHERE request_id = $1', [r.headers['x-request-id']])).toEqual([{ n: 0 }]);
  });

  test('POST: 405 METHOD_NOT_ALLOWED', async () => {
    const r = await request(gw.gateway.server).post(exportUrl(subject.id)).set(dpo()).send({});
    expect({ status: r.status, body: r.body }).toEqual({ status: 405, body: err('METHOD_NOT_ALLOWED', 'Use GET') });
  });

  test('the access log cannot be written: 503 AUDIT_UNAVAILABLE, and not one byte of data', async () => {
    await gw.stores.gateway.query(`CREATE FUNCTION test_refuse_export() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'log refused'; END $$`);
    await gw.stores.gateway.query(`CREATE TRIGGER test_refuse_export BEFORE INSERT ON access_log FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_export()`);
    try {
      for (const format of ['json', 'html']) {
        const r = await get(exportUrl(subject.id, `?format=${format}`), dpo());
        expect({ status: r.status, body: r.body }).toEqual({ status: 503, body: err('AUDIT_UNAVAILABLE', 'The access log could not be written; no personal data is returned') });
        expect(r.text).not.toContain(subject.name.split(' ')[0]);
      }
      const g = await gw.gql({ token: dpoToken, purpose: 'data_subject_request', query: `{ subjectExport(customerId: "${subject.id}") }` });
      expect({ status: g.status, body: g.body }).toEqual({ status: 503, body: err('AUDIT_UNAVAILABLE', 'The access log could not be written; no personal data is returned') });
    } finally {
      await gw.stores.gateway.query('DROP TRIGGER test_refuse_export ON access_log; DROP FUNCTION test_refuse_export()');
    }
  });

  test('consents cannot be read: 503 CONSENT_STATE_UNAVAILABLE, nothing logged', async () => {
    await gw.stores.gateway.query('ALTER TABLE consent_events RENAME TO consent_events_hidden');
    try {
      const r = await get(exportUrl(subject.id), dpo());
      expect({ status: r.status, body: r.body }).toEqual({ status: 503, body: err('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned') });
      expect(await gw.stores.gateway.query('SELECT count(*)::int AS n FROM access_log WHERE request_id = $1', [r.headers['x-request-id']])).toEqual([{ n: 0 }]);
    } finally {
      await gw.stores.gateway.query('ALTER TABLE consent_events_hidden RENAME TO consent_events');
    }
  });

  describe('GraphQL subjectExport', () => {
    const QUERY = `{ subjectExport(customerId: "cus_nobody") }`;
    const loc = { locations: [{ line: 1, column: 3 }], path: ['subjectExport'] };
    test('no X-Purpose: 400 PURPOSE_REQUIRED before anything runs', async () => {
      const r = await gw.gql({ token: dpoToken, query: QUERY });
      expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: err('PURPOSE_REQUIRED', 'This operation reads personal data: declare a purpose in the X-Purpose header') });
    });
    test('a service: 403 FORBIDDEN', async () => {
      const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: QUERY });
      expect({ status: r.status, body: r.body }).toEqual({ status: 403, body: { data: null, errors: [{ message: 'The caller\'s roles do not allow this operation', ...loc, extensions: { code: 'FORBIDDEN' } }] } });
    });
    test('a DPO with another purpose: 403 PURPOSE_NOT_PERMITTED', async () => {
      const r = await gw.gql({ token: dpoToken, purpose: 'consent_management', query: QUERY });
      expect({ status: r.status, body: r.body }).toEqual({
        status: 403,
        body: { data: null, errors: [{ message: 'The subject export is made only for the purpose data_subject_request', ...loc, extensions: { code: 'PURPOSE_NOT_PERMITTED', purpose: 'consent_management' } }] },
      });
    });
    test('an unknown customer: 404 NOT_FOUND', async () => {
      const r = await gw.gql({ token: dpoToken, purpose: 'data_subject_request', query: QUERY });
      expect({ status: r.status, body: r.body }).toEqual({
        status: 404, body: { data: null, errors: [{ message: 'No customer with this id', ...loc, extensions: { code: 'NOT_FOUND', customerId: 'cus_nobody' } }] },
      });
    });
  });
});

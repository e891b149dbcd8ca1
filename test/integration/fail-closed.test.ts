import { startTestGateway, TestGateway } from '../support/gateway';
import { ADULT, insertCustomers } from '../fixtures/customers';
import { loadPack } from '../../src/policy/load-pack';

/**
 * Fail closed: when the access log cannot be written, or consents cannot be read, the caller
 * gets a coded 503 and no personal data. And what is logged never holds a value.
 */
let gw: TestGateway;
const QUERY = `{ customer(id: "${ADULT.id}") { id firstName nationalId emails { address } } }`;

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT]);
});
afterAll(() => gw.close());

const read = async () => gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: QUERY });

test('every decision is logged with caller, purpose, category, effect and reason, never the value', async () => {
  const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: QUERY, headers: { 'x-justification': 'TICKET-42' } });
  expect(r.status).toBe(200);
  const rows = await gw.stores.gateway.query(
    `SELECT caller, roles, purpose, justification, customer_id, type_name, field_path, fields, category, effect, reason, rule, policy_hash = $2 AS current_pack
     FROM access_log_entries WHERE request_id = $1 ORDER BY field_path, category`, [r.headers['x-request-id'], loadPack(gw.config.policyPath).hash]);
  const common = { caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: 'TICKET-42', customer_id: ADULT.id, current_pack: true };
  // One row per (customer, category, decision), ordered by category; fields relative to the customer.
  expect(rows).toEqual([
    { ...common, type_name: 'Email', field_path: 'customer', fields: ['emails.0.address'], category: 'contact.email', effect: 'ALLOW', reason: null, rule: 'purposes.account_management.lawful_basis' },
    { ...common, type_name: 'Customer', field_path: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'purposes.account_management.lawful_basis' },
    { ...common, type_name: 'Customer', field_path: 'customer', fields: ['nationalId'], category: 'identity.national_id', effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.account_management.categories' },
  ]);
  const dump = JSON.stringify(await gw.stores.gateway.query('SELECT * FROM access_log'));
  for (const value of [ADULT.firstName, ADULT.email, ADULT.nationalId!]) expect(dump).not.toContain(value);
});

test('the access log cannot be written: 503 AUDIT_UNAVAILABLE and no data', async () => {
  await gw.stores.gateway.query(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'log refused'; END $$`);
  await gw.stores.gateway.query(`CREATE TRIGGER test_refuse BEFORE INSERT ON access_log FOR EACH STATEMENT EXECUTE FUNCTION test_refuse()`);
  try {
    const r = await read();
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ errors: [{ message: 'The access log could not be written; no personal data is returned', extensions: { code: 'AUDIT_UNAVAILABLE' } }] });
    expect(r.text).not.toContain(ADULT.firstName);
  } finally {
    await gw.stores.gateway.query('DROP TRIGGER test_refuse ON access_log; DROP FUNCTION test_refuse()');
  }
  expect((await read()).status).toBe(200);
});

test('consents cannot be read: 503 CONSENT_STATE_UNAVAILABLE and no data', async () => {
  await gw.stores.gateway.query('ALTER TABLE consent_events RENAME TO consent_events_hidden');
  try {
    const r = await read();
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      data: { customer: null },
      errors: [{ message: 'Consent state could not be read; no personal data is returned', path: ['customer'], locations: [{ line: 1, column: 3 }], extensions: { code: 'CONSENT_STATE_UNAVAILABLE' } }],
    });
  } finally {
    await gw.stores.gateway.query('ALTER TABLE consent_events_hidden RENAME TO consent_events');
  }
});

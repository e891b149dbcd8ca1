import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { parse as parseYaml } from 'yaml';
import { startTestGateway, TestGateway } from '../support/gateway';
import { civilEnd } from '../support/civil-calendar';
import { accessLog, ask, bornYearsAgo, consent, denied, expectResponse, insertPerson, iso, rootError } from '../fixtures/pack-scenarios';

/**
 * Connexion CRM (policies/connexion.yaml), through HTTP: 8.1 rectification of an address that
 * billing had read; 8.2 erasure or anonymisation, with legal_compliance (5.6, 6.3, 7) keeping tax
 * records and the contact data it covers; the minors rule is `restrict` (PDPA s.20), so the
 * deletion of minors' data is refused while the DPO can still list them.
 */
let gw: TestGateway;
const DPO = ['dpo'];
const PACK = parseYaml(fs.readFileSync(path.resolve(__dirname, '../../policies/connexion.yaml'), 'utf8')) as { purposes: { key: string; cite: string }[] };
const LEGAL_CITE = PACK.purposes.find((p) => p.key === 'legal_compliance')!.cite;

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'connexion.yaml' });
});
afterAll(() => gw.close());

async function decidedAt(r: Response): Promise<string> {
  const [{ at }] = await gw.stores.gateway.query(`SELECT min(at) AS at FROM access_log WHERE request_id = $1`, [r.headers['x-request-id']]);
  return iso(at);
}

describe('8.1 rectification', () => {
  test('an address billing read is withheld from billing and legal compliance until corrected; billing is the caller to tell', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'cnx_move', firstName: 'Orawan', lastName: 'Moves', dateOfBirth: bornYearsAgo(39), collectedDaysAgo: 90,
      addresses: [{ line1: '12 Rama IV Road', city: 'Bangkok', postcode: '10500', country: 'TH' }],
    });
    const q = `query($id: ID!) { customer(id: $id) { addresses { line1 city } } }`;
    const read = await ask(gw, 'billing-service', 'billing', q, { id: c.id });
    expectResponse(read, 200, { data: { customer: { addresses: [{ line1: '12 Rama IV Road', city: 'Bangkok' }] } } });

    const m = `mutation { requestRectification(customerId: "${c.id}", category: "contact.address", field: "line1", correctedValue: "21 Rama IV Road") { id status recordId } }`;
    const asked = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    const [{ id }] = await gw.stores.gateway.query(`SELECT id::text FROM rectification_requests WHERE customer_id = $1`, [c.id]);
    expectResponse(asked, 200, { data: { requestRectification: { id, status: 'pending', recordId: c.addresses[0].id } } });
    // The address list's only category is under correction: the list is denied whole, logged once.
    for (const purpose of ['billing', 'legal_compliance']) {
      const withheld = await ask(gw, 'billing-service', purpose, q, { id: c.id });
      expectResponse(withheld, 200, {
        data: { customer: { addresses: null } },
        errors: [denied(q, ['customer', 'addresses'], 'RECTIFICATION_PENDING', 'contact.address', 'rectification.contact.address')],
      });
      expect(await accessLog(gw, withheld)).toEqual([{ effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'contact.address', field_path: 'customer', fields: ['addresses'] }]);
    }
    const resolve = await ask(gw, 'dpo-console', null, `mutation { resolveRectification(id: "${id}") { status rowsUpdated recipients { caller purpose firstReadAt lastReadAt reads } } }`, undefined, DPO);
    const at = await decidedAt(read);
    expectResponse(resolve, 200, {
      data: { resolveRectification: { status: 'corrected', rowsUpdated: 1, recipients: [{ caller: 'billing-service', purpose: 'billing', firstReadAt: at, lastReadAt: at, reads: 1 }] } },
    });
    expectResponse(await ask(gw, 'billing-service', 'billing', q, { id: c.id }), 200, { data: { customer: { addresses: [{ line1: '21 Rama IV Road', city: 'Bangkok' }] } } });
  });
});

describe('8.2 erasure', () => {
  test('contact data, support tickets, chats, logins, cards and bank accounts go; invoices and orders stay for legal_compliance; support sees SUBJECT_ERASED', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'cnx_erase', firstName: 'Preecha', lastName: 'Leaves', dateOfBirth: bornYearsAgo(52), collectedDaysAgo: 400,
      emails: [{ address: 'preecha.leaves@example.test', daysAgo: 200 }], phones: [{ number: '+66833330003', daysAgo: 200 }],
      socialAccounts: [{ platform: 'facebook', handle: 'preecha.l' }],
      accounts: [{ username: 'preecha_cnx', logins: [{ daysAgo: 5, ipAddress: '203.0.113.77', userAgent: 'Connexion/3.1 (iOS)' }] }],
      communications: [{ channel: 'ticket', subject: 'Cancel my seats', body: 'Please cancel from next month.', daysAgo: 15 }],
      bankAccounts: [{ bankName: 'Krungthai', accountHolder: 'Preecha Leaves', accountNumber: '9998880003' }],
      paymentCards: [{ token: 'tok_preecha', last4: '0005', brand: 'visa', expiryMonth: 1, expiryYear: 2030 }],
      orders: [{ daysAgo: 300, total: '8000.00', currency: 'THB', status: 'paid', items: 'Connexion CRM, 5 seats', invoice: { invoiceNumber: 'OC-2026-0101', billingName: 'Preecha Co., Ltd.', billingAddress: 'Bangkok 10400', taxId: '0105550000101', amount: '8000.00' } }],
    });
    const rec = await ask(gw, 'dpo-console', null, `mutation { recordRightsRequest(customerId: "${c.id}", kind: erasure) { id dueAt receivedAt } }`, undefined, DPO);
    const { id: requestId, dueAt, receivedAt } = rec.body.data.recordRightsRequest;
    expect(new Date(dueAt).getTime() - new Date(receivedAt).getTime()).toBe(30 * 86_400_000);

    const m = `mutation { eraseCustomer(customerId: "${c.id}", requestId: "${requestId}") { requestId categories { category table deleted anonymised kept keptRecords { recordId keptUntil purpose cite } } } }`;
    const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    // P5Y in the civil calendar: a record of 29 February is kept until the end of 28 February.
    const until = (d: Date) => iso(civilEnd(d, { years: 5, months: 0, days: 0 }));
    const kept = (x: { id: string; collectedAt: Date }) => ({ recordId: x.id, keptUntil: until(x.collectedAt), purpose: 'legal_compliance', cite: LEGAL_CITE });
    const row = (category: string, table: string, deleted: number, keptRecords: unknown[], anonymised = 0) => ({ category, table, deleted, anonymised, kept: keptRecords.length, keptRecords });
    expectResponse(r, 200, {
      data: {
        eraseCustomer: {
          requestId,
          categories: [
            row('identity.name', 'customers', 0, [], 1),
            row('identity.date_of_birth', 'customers', 0, [], 1),
            row('identity.gender', 'customers', 0, [], 1),
            row('identity.nationality', 'customers', 0, [], 1),
            // legal_compliance covers contact data (5.6) but keeps only the tax records after an erasure.
            row('contact.email', 'emails', 1, []),
            row('contact.phone', 'phones', 1, []),
            row('contact.social_media', 'social_accounts', 1, []),
            row('technical.ip_address', 'login_events', 1, []),
            row('technical.user_agent', 'login_events', 1, []),
            row('technical.activity_time', 'login_events', 1, []),
            row('account.username', 'accounts', 1, []),
            row('communication.support_ticket', 'communications', 1, []),
            row('communication.chat', 'communications', 1, []),
            row('financial.bank_account', 'bank_accounts', 1, []),
            row('financial.payment_card', 'payment_cards', 1, []),
            row('financial.invoice', 'invoices', 0, [kept(c.invoices[0])]),
            row('financial.tax_id', 'invoices', 0, [kept(c.invoices[0])]),
            row('financial.order', 'orders', 0, [kept(c.orders[0])]),
          ],
        },
      },
    });
    const qs = `query($id: ID!) { customer(id: $id) { firstName phones { number } communications { subject } } }`;
    expectResponse(await ask(gw, 'support-service', 'service_support', qs, { id: c.id }), 200, {
      data: { customer: { firstName: null, phones: null, communications: null } },
      errors: [
        denied(qs, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qs, ['customer', 'phones'], 'SUBJECT_ERASED', 'contact.phone', 'erasure'),
        denied(qs, ['customer', 'communications'], 'SUBJECT_ERASED', 'communication.support_ticket', 'erasure'),
      ],
    });
    const ql = `query($id: ID!) { customer(id: $id) { phones { number } invoices { billingName taxId } } }`;
    expectResponse(await ask(gw, 'billing-service', 'legal_compliance', ql, { id: c.id }), 200, {
      data: { customer: { phones: null, invoices: [{ billingName: 'Preecha Co., Ltd.', taxId: '0105550000101' }] } },
      errors: [denied(ql, ['customer', 'phones'], 'SUBJECT_ERASED', 'contact.phone', 'erasure')],
    });
    const status = await ask(gw, 'dpo-console', null, `{ rightsRequests(status: all, customerId: "${c.id}") { status } }`, undefined, DPO);
    expectResponse(status, 200, { data: { rightsRequests: [{ status: 'completed' }] } });
  });
});

describe('minors: restrict, not delete', () => {
  test('an 18-year-old who consented alone is listed; erasing minors is refused under this pack, and nothing is erased', async () => {
    const teen = await insertPerson(gw.stores, { id: 'cnx_teen', firstName: 'Tan', lastName: 'Teen', dateOfBirth: bornYearsAgo(18), collectedDaysAgo: 10, emails: [{ address: 'tan.teen@example.test' }] });
    await consent(gw.stores, teen.id, 'product_interest_contact');
    const [given] = await gw.stores.gateway.query(`SELECT recorded_at FROM consent_events WHERE customer_id = $1`, [teen.id]);
    expectResponse(await ask(gw, 'dpo-console', null, `{ minorsWithoutGuardianConsent { customerId purposes consentGivenAt } }`, undefined, DPO), 200, {
      data: { minorsWithoutGuardianConsent: [{ customerId: teen.id, purposes: ['product_interest_contact'], consentGivenAt: iso(given.recorded_at) }] },
    });
    const m = `mutation { eraseMinorsWithoutGuardianConsent { customerId } }`;
    expectResponse(await ask(gw, 'dpo-console', null, m, undefined, DPO), 400, {
      data: null,
      errors: [rootError(m, 'eraseMinorsWithoutGuardianConsent', 'BAD_USER_INPUT', 'The pack in force restricts, and does not delete, data collected from minors without a guardian\'s consent', {
        rule: 'minors.without_guardian_consent', value: 'restrict',
      })],
    });
    expect((await gw.stores.gateway.query(`SELECT count(*)::int AS n FROM erasures WHERE customer_id = $1`, [teen.id]))[0].n).toBe(0);
    const q = `query($id: ID!) { customer(id: $id) { emails { address } } }`;
    const read = await ask(gw, 'marketing-service', 'product_interest_contact', q, { id: teen.id });
    expectResponse(read, 200, {
      data: { customer: { emails: null } },
      errors: [denied(q, ['customer', 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age')],
    });
    expect(await accessLog(gw, read)).toEqual([{ effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', category: 'contact.email', field_path: 'customer', fields: ['emails'] }]);
  });
});

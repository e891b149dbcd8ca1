import type { Response } from 'supertest';
import { startTestGateway, TestGateway } from '../support/gateway';
import { civilEnd } from '../support/civil-calendar';
import { accessLog, ask, bornYearsAgo, denied, expectResponse, insertPerson, iso, YEAR_DAYS } from '../fixtures/pack-scenarios';

/**
 * SMSMKT (policies/smsmkt.yaml), through HTTP: a correction of a bank account that payment and
 * transaction verification saw masked (a masked read is a read: both are told); an erasure where
 * tax invoicing (2.6, 2.7, 4.2: Revenue Code, 5 years) keeps the invoices, the taxpayer ID printed
 * on them and the orders they bill (`kept_after_erasure`), while the e-mail and phone the invoices
 * were sent to and the national ID on the customer record go; an invoice past 5 years goes.
 */
let gw: TestGateway;
const DPO = ['dpo'];

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'smsmkt.yaml' });
});
afterAll(() => gw.close());

async function decidedAt(r: Response): Promise<string> {
  const [{ at }] = await gw.stores.gateway.query(`SELECT min(at) AS at FROM access_log WHERE request_id = $1`, [r.headers['x-request-id']]);
  return iso(at);
}
/** A period end in the civil calendar (29 February + 1 year is the end of 28 February), as src/policy/duration.ts. */
const plusYears = (d: Date, n: number) => iso(civilEnd(d, { years: n, months: 0, days: 0 }));

test('a bank-account correction: the callers that saw it masked are told; tax invoicing, which never saw it, is not', async () => {
  const c = await insertPerson(gw.stores, {
    id: 'sms_bank', firstName: 'Jiraporn', lastName: 'Pays', dateOfBirth: bornYearsAgo(31), collectedDaysAgo: 100,
    bankAccounts: [{ bankName: 'Kasikornbank', accountHolder: 'Jiraporn Pays', accountNumber: '0617770001' }],
  });
  const q = `query($id: ID!) { customer(id: $id) { bankAccounts { accountNumber } } }`;
  const pay = await ask(gw, 'billing-service', 'payment', q, { id: c.id });
  const verify = await ask(gw, 'security-service', 'transaction_verification', q, { id: c.id });
  for (const r of [pay, verify]) expectResponse(r, 200, { data: { customer: { bankAccounts: [{ accountNumber: '******0001' }] } } });
  const tax = await ask(gw, 'billing-service', 'tax_invoicing', q, { id: c.id });
  // A list whose every category is denied for the customer is denied whole: not even how many accounts there are.
  expectResponse(tax, 200, {
    data: { customer: { bankAccounts: null } },
    errors: [denied(q, ['customer', 'bankAccounts'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.bank_account', 'purposes.tax_invoicing.categories')],
  });
  expect(await accessLog(gw, tax)).toEqual([
    { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'financial.bank_account', field_path: 'customer', fields: ['bankAccounts'] },
  ]);

  const m = `mutation { requestRectification(customerId: "${c.id}", category: "financial.bank_account", field: "accountNumber", correctedValue: "0617770010") { id } }`;
  const id = (await ask(gw, 'dpo-console', null, m, undefined, DPO)).body.data.requestRectification.id as string;
  const pending = await ask(gw, 'billing-service', 'payment', q, { id: c.id });
  expectResponse(pending, 200, {
    data: { customer: { bankAccounts: null } },
    errors: [denied(q, ['customer', 'bankAccounts'], 'RECTIFICATION_PENDING', 'financial.bank_account', 'rectification.financial.bank_account')],
  });
  expect(await accessLog(gw, pending)).toEqual([
    { effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'financial.bank_account', field_path: 'customer', fields: ['bankAccounts'] },
  ]);
  const r = await ask(gw, 'dpo-console', null, `mutation { resolveRectification(id: "${id}") { status recipients { caller purpose firstReadAt lastReadAt reads } } }`, undefined, DPO);
  expectResponse(r, 200, {
    data: {
      resolveRectification: {
        status: 'corrected',
        recipients: [
          { caller: 'billing-service', purpose: 'payment', firstReadAt: await decidedAt(pay), lastReadAt: await decidedAt(pay), reads: 1 },
          { caller: 'security-service', purpose: 'transaction_verification', firstReadAt: await decidedAt(verify), lastReadAt: await decidedAt(verify), reads: 1 },
        ],
      },
    },
  });
  expectResponse(await ask(gw, 'billing-service', 'payment', q, { id: c.id }), 200, { data: { customer: { bankAccounts: [{ accountNumber: '******0010' }] } } });
});

test('erasure: the 2-year-old tax invoice and its order stay 5 years for tax invoicing; the e-mail and phone it was sent to, the 6-year-old one, the bank account and the logins go', async () => {
  const c = await insertPerson(gw.stores, {
    id: 'sms_erase', firstName: 'Thanawat', lastName: 'Sender', dateOfBirth: bornYearsAgo(36), nationalId: '1103700012345', collectedDaysAgo: 500,
    emails: [{ address: 'thanawat.sender@example.test' }], phones: [{ number: '+66899990001' }],
    accounts: [{ username: 'thanawat_sms', logins: [{ daysAgo: 1, ipAddress: '203.0.113.201', userAgent: 'SMSMKT/2.0' }] }],
    bankAccounts: [{ bankName: 'SCB', accountHolder: 'Thanawat Sender', accountNumber: '3334440001' }],
    orders: [
      { daysAgo: 2 * YEAR_DAYS, total: '2140.00', currency: 'THB', status: 'paid', items: '10000 SMS credits', invoice: { invoiceNumber: 'SMS-24-0001', billingName: 'Thanawat Sender', billingAddress: 'Bangkok 10310', taxId: '1103700012345', amount: '2140.00' } },
      { daysAgo: 6 * YEAR_DAYS, total: '1070.00', currency: 'THB', status: 'paid', items: '5000 SMS credits', invoice: { invoiceNumber: 'SMS-20-0001', billingName: 'Thanawat Sender', billingAddress: 'Bangkok 10310', taxId: '1103700012345', amount: '1070.00' } },
    ],
  });
  const m = `mutation { eraseCustomer(customerId: "${c.id}") { categories { category table deleted anonymised kept keptRecords { recordId keptUntil purpose } } } }`;
  const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
  const kept = (x: { id: string; collectedAt: Date }) => ({ recordId: x.id, keptUntil: plusYears(x.collectedAt, 5), purpose: 'tax_invoicing' });
  const row = (category: string, table: string, deleted: number, keptRecords: unknown[], anonymised = 0) => ({ category, table, deleted, anonymised, kept: keptRecords.length, keptRecords });
  expectResponse(r, 200, {
    data: {
      eraseCustomer: {
        categories: [
          row('identity.name', 'customers', 0, [], 1),
          row('identity.date_of_birth', 'customers', 0, [], 1),
          row('identity.gender', 'customers', 0, [], 1),
          row('identity.nationality', 'customers', 0, [], 1),
          row('identity.national_id', 'customers', 0, [], 1),
          // 4.2 'as the law requires': the law keeps the tax invoice, not the addresses it was sent to (2.7).
          row('contact.email', 'emails', 1, []),
          row('contact.phone', 'phones', 1, []),
          row('technical.ip_address', 'login_events', 1, []),
          row('technical.user_agent', 'login_events', 1, []),
          row('technical.activity_time', 'login_events', 1, []),
          row('account.username', 'accounts', 1, []),
          row('financial.bank_account', 'bank_accounts', 1, []),
          row('financial.invoice', 'invoices', 1, [kept(c.invoices[0])]),
          row('financial.tax_id', 'invoices', 1, [kept(c.invoices[0])]),
          row('financial.order', 'orders', 1, [kept(c.orders[0])]),
        ],
      },
    },
  });
  const q = `query($id: ID!) { customer(id: $id) { firstName nationalId emails { address } invoices { invoiceNumber taxId } } }`;
  expectResponse(await ask(gw, 'billing-service', 'tax_invoicing', q, { id: c.id }), 200, {
    data: { customer: { firstName: null, nationalId: null, emails: null, invoices: [{ invoiceNumber: 'SMS-24-0001', taxId: '1103700012345' }] } },
    errors: [
      denied(q, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
      denied(q, ['customer', 'nationalId'], 'SUBJECT_ERASED', 'identity.national_id', 'erasure'),
      denied(q, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
    ],
  });
  expect(await gw.stores.crm.query(`SELECT (SELECT count(*)::int FROM emails WHERE customer_id = $1) AS emails, (SELECT count(*)::int FROM phones WHERE customer_id = $1) AS phones`, [c.id]))
    .toEqual([{ emails: 0, phones: 0 }]);
  const qp = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
  expectResponse(await ask(gw, 'crm-service', 'platform_access', qp, { id: c.id }), 200, {
    data: { customer: { firstName: null, emails: null } },
    errors: [
      denied(qp, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
      denied(qp, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
    ],
  });
});

import { startTestGateway, TestGateway } from '../../support/gateway';
import {
  accessLog, ask, bornYearsAgo, consent, denied, erase, EVENT_FIELDS, eventView, expectResponse, insertPerson, iso, object, restrict,
  storedEvents, YEAR_DAYS,
} from '../../fixtures/pack-scenarios';

/**
 * SNS Helper (policies/snshelper.yaml, seed 003): scenarios from the policy's own text, through
 * HTTP, whole responses asserted. Cites are the pack's (Thai headings and lettered items).
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ policy: 'snshelper.yaml' });
});
afterAll(() => gw.close());

describe('ระยะเวลาการเก็บรักษา ข. (login records: 6 months)', () => {
  test('a 400-day-old login is gone from account.loginEvents for login_records and membership; the 2-day-old one is returned', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_logins', firstName: 'Arthit', lastName: 'Member', dateOfBirth: bornYearsAgo(31), collectedDaysAgo: 30,
      accounts: [{
        username: 'arthit_sns', logins: [
          { daysAgo: 2, ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
          { daysAgo: 400, ipAddress: '198.51.100.23', userAgent: 'Mozilla/5.0 (Windows NT 10.0)' },
        ],
      }],
    });
    const [account] = c.accounts;
    const [recent, old] = account.logins;
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    accounts {
      username
      loginEvents { id ipAddress userAgent occurredAt }
    }
  }
}`;
    const recentView = { id: recent.id, ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', occurredAt: iso(recent.occurredAt) };

    const legal = await ask(gw, 'security-service', 'login_records', q, { id: c.id });
    expectResponse(legal, 200, {
      data: { customer: { firstName: null, accounts: [{ username: 'arthit_sns', loginEvents: [recentView] }] } },
      errors: [denied(q, ['customer', 'firstName'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.name', 'purposes.login_records.categories')],
    });
    expect(await accessLog(gw, legal, 'effect, reason, category, field_path, fields, rule')).toEqual([
      { effect: 'ALLOW', reason: null, category: 'account.username', field_path: 'customer', fields: ['accounts.0.username'], rule: 'purposes.login_records.lawful_basis' },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'identity.name', field_path: 'customer', fields: ['firstName'], rule: 'purposes.login_records.categories' },
      { effect: 'ALLOW', reason: null, category: 'technical.activity_time', field_path: 'customer', fields: ['accounts.0.loginEvents.0.occurredAt'], rule: 'purposes.login_records.lawful_basis' },
      { effect: 'ALLOW', reason: null, category: 'technical.ip_address', field_path: 'customer', fields: ['accounts.0.loginEvents.0.id', 'accounts.0.loginEvents.0.ipAddress'], rule: 'purposes.login_records.lawful_basis' },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'technical.ip_address', field_path: 'customer', fields: [`accounts.0.loginEvents[id=${old.id}]`], rule: 'purposes.login_records.retention' },
      { effect: 'ALLOW', reason: null, category: 'technical.user_agent', field_path: 'customer', fields: ['accounts.0.loginEvents.0.userAgent'], rule: 'purposes.login_records.lawful_basis' },
    ]);

    // Membership keeps the member's name for 5 years but its login records for 6 months only.
    const membership = await ask(gw, 'crm-service', 'membership', q, { id: c.id });
    expectResponse(membership, 200, {
      data: { customer: { firstName: 'Arthit', accounts: [{ username: 'arthit_sns', loginEvents: [recentView] }] } },
    });
  });
});

describe('วิธีการขอดู, แก้ไข: data under correction is neither used nor provided', () => {
  test('a pending rectification of the phone blocks it even for legal e-commerce records; the rest is returned; the history shows it', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_rectify', firstName: 'Siriporn', lastName: 'Correcting', dateOfBirth: bornYearsAgo(38), collectedDaysAgo: 120,
      phones: [{ number: '+66844440004' }],
      orders: [{ daysAgo: 120, total: '600.00', currency: 'THB', status: 'completed', items: '1000 x Instagram likes' }],
    });
    await gw.stores.gateway.query(`INSERT INTO rectification_events (customer_id, category, action, recorded_by) VALUES ($1,$2,'request','test')`, [c.id, 'contact.phone']);

    const q = `query($id: ID!) { customer(id: $id) { firstName phones { number } orders { total items } } }`;
    const legal = await ask(gw, 'billing-service', 'ecommerce_records', q, { id: c.id });
    expectResponse(legal, 200, {
      data: { customer: { firstName: 'Siriporn', phones: null, orders: [{ total: '600.00', items: '1000 x Instagram likes' }] } },
      errors: [denied(q, ['customer', 'phones'], 'RECTIFICATION_PENDING', 'contact.phone', 'rectification.contact.phone')],
    });
    expect(await accessLog(gw, legal)).toEqual([
      { effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'contact.phone', field_path: 'customer', fields: ['phones'] },
      { effect: 'ALLOW', reason: null, category: 'financial.order', field_path: 'customer', fields: ['orders.0.items', 'orders.0.total'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);

    const consult = await ask(gw, 'support-service', 'consultation', q, { id: c.id });
    expectResponse(consult, 200, {
      data: { customer: { firstName: 'Siriporn', phones: null, orders: [{ total: '600.00', items: '1000 x Instagram likes' }] } },
      errors: [denied(q, ['customer', 'phones'], 'RECTIFICATION_PENDING', 'contact.phone', 'rectification.contact.phone')],
    });

    const h = `query($id: ID!) { consentHistory(customerId: $id) { ${EVENT_FIELDS} } }`;
    const history = await ask(gw, 'security-audit', null, h, { id: c.id }, ['auditor']);
    const [rectification] = await storedEvents(gw, 'rectification_events', c.id);
    expectResponse(history, 200, {
      data: { consentHistory: [eventView(rectification, { kind: 'rectification', customerId: c.id, action: 'request', category: 'contact.phone', recordedBy: 'test' })] },
    });
  });
});

describe('ระยะเวลาการเก็บรักษา ข. (payment and supply records: 5 years); เงื่อนไขให้การบริการ', () => {
  test('e-commerce records keep a 4-year-old order and invoice and drop 6-year-old ones; payment sees the account as last four digits, refund in full', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_payer', firstName: 'Chaiya', lastName: 'Payer', dateOfBirth: bornYearsAgo(44), collectedDaysAgo: 4 * YEAR_DAYS,
      bankAccounts: [{ bankName: 'Bangkok Bank', accountHolder: 'Chaiya Payer', accountNumber: '1234567890' }],
      orders: [
        { daysAgo: 6 * YEAR_DAYS, total: '150.00', currency: 'THB', status: 'completed', items: '500 x TikTok views', invoice: { invoiceNumber: 'SNS-2019-77', billingName: 'Chaiya Payer', billingAddress: 'Chiang Mai 50000', taxId: null, amount: '150.00' } },
        { daysAgo: 4 * YEAR_DAYS, total: '320.00', currency: 'THB', status: 'completed', items: '200 x YouTube subscribers', invoice: { invoiceNumber: 'SNS-2021-12', billingName: 'Chaiya Payer', billingAddress: 'Chiang Mai 50000', taxId: null, amount: '320.00' } },
      ],
    });
    const [oldOrder, order] = c.orders;
    const [oldInvoice, invoice] = c.invoices;
    const q = `query($id: ID!) {
  customer(id: $id) {
    orders { id total items }
    invoices { id invoiceNumber amount }
    bankAccounts { accountNumber }
  }
}`;
    const records = await ask(gw, 'billing-service', 'ecommerce_records', q, { id: c.id });
    expectResponse(records, 200, {
      data: {
        customer: {
          orders: [{ id: order.id, total: '320.00', items: '200 x YouTube subscribers' }],
          invoices: [{ id: invoice.id, invoiceNumber: 'SNS-2021-12', amount: '320.00' }],
          bankAccounts: [{ accountNumber: '1234567890' }],
        },
      },
    });
    const drops = (await accessLog(gw, records)).filter((e) => e.reason === 'RETENTION_EXPIRED');
    expect(drops).toEqual([
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.invoice', field_path: 'customer', fields: [`invoices[id=${oldInvoice.id}]`] },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.order', field_path: 'customer', fields: [`orders[id=${oldOrder.id}]`] },
    ]);

    const qb = `query($id: ID!) { customer(id: $id) { firstName bankAccounts { bankName accountNumber } } }`;
    const payment = await ask(gw, 'billing-service', 'payment', qb, { id: c.id });
    expectResponse(payment, 200, { data: { customer: { firstName: 'Chaiya', bankAccounts: [{ bankName: '********Bank', accountNumber: '******7890' }] } } });
    const refund = await ask(gw, 'billing-service', 'refund', qb, { id: c.id });
    expectResponse(refund, 200, { data: { customer: { firstName: 'Chaiya', bankAccounts: [{ bankName: 'Bangkok Bank', accountNumber: '1234567890' }] } } });
  });
});

describe('ระยะเวลาการเก็บรักษา ก./ข.: an erased member', () => {
  test('fraud prevention (internal policy, legitimate interest) sees nothing; complaint records kept under law are still read, the name is not', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_erased', firstName: 'Dao', lastName: 'Former', dateOfBirth: bornYearsAgo(27), collectedDaysAgo: 200,
      emails: [{ address: 'dao.former@example.test' }],
      bankAccounts: [{ bankName: 'Krungsri', accountHolder: 'Dao Former', accountNumber: '5550001112' }],
      communications: [{ channel: 'ticket', subject: 'Refund not received', body: 'I cancelled order 7781 and want my money back', daysAgo: 200 }],
    });
    await erase(gw.stores, c.id);
    const qf = `query($id: ID!) { customer(id: $id) { firstName emails { address } bankAccounts { accountNumber } } }`;
    const fraud = await ask(gw, 'security-service', 'fraud_prevention', qf, { id: c.id });
    expectResponse(fraud, 200, {
      data: { customer: { firstName: null, emails: null, bankAccounts: null } },
      errors: [
        denied(qf, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qf, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
        denied(qf, ['customer', 'bankAccounts'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure'),
      ],
    });

    const qc = `query($id: ID!) { customer(id: $id) { firstName communications { channel subject body } bankAccounts { accountNumber } } }`;
    const complaints = await ask(gw, 'support-service', 'complaint_records', qc, { id: c.id });
    expectResponse(complaints, 200, {
      data: {
        customer: {
          firstName: null,
          communications: [{ channel: 'ticket', subject: 'Refund not received', body: 'I cancelled order 7781 and want my money back' }],
          bankAccounts: null,
        },
      },
      errors: [
        // complaint_records covers the name but keeps only the tickets and chats after an erasure (kept_after_erasure).
        denied(qc, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qc, ['customer', 'bankAccounts'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.bank_account', 'purposes.complaint_records.categories'),
      ],
    });
  });
});

describe('มาตรการบริหารจัดการ ① ก. (direct marketing)', () => {
  test('one batch: no consent, a 16-year-old\'s own consent, an objection over a consent, and a valid consent', async () => {
    const none = await insertPerson(gw.stores, { id: 'sns_dm_none', firstName: 'Nok', lastName: 'NoConsent', dateOfBirth: bornYearsAgo(30), collectedDaysAgo: 10, emails: [{ address: 'nok@example.test' }] });
    const teen = await insertPerson(gw.stores, { id: 'sns_dm_teen', firstName: 'Fah', lastName: 'Teen', dateOfBirth: bornYearsAgo(16), collectedDaysAgo: 10, emails: [{ address: 'fah@example.test' }] });
    const objector = await insertPerson(gw.stores, { id: 'sns_dm_obj', firstName: 'Mek', lastName: 'Objector', dateOfBirth: bornYearsAgo(40), collectedDaysAgo: 10, emails: [{ address: 'mek@example.test' }] });
    const ok = await insertPerson(gw.stores, { id: 'sns_dm_ok', firstName: 'Ton', lastName: 'Consented', dateOfBirth: bornYearsAgo(22), collectedDaysAgo: 10, emails: [{ address: 'ton@example.test' }] });
    await consent(gw.stores, teen.id, 'marketing');
    await consent(gw.stores, objector.id, 'marketing');
    await object(gw.stores, objector.id, 'marketing');
    await consent(gw.stores, ok.id, 'marketing');

    const q = `query($ids: [ID!]!) { customers(ids: $ids) { id firstName emails { address } } }`;
    const r = await ask(gw, 'marketing-service', 'marketing', q, { ids: [none.id, teen.id, objector.id, ok.id, 'sns_dm_missing'] });
    const lb = 'purposes.marketing.lawful_basis';
    const dm = 'purposes.marketing.direct_marketing';
    expectResponse(r, 200, {
      data: {
        customers: [
          { id: none.id, firstName: null, emails: null },
          { id: teen.id, firstName: null, emails: null },
          { id: objector.id, firstName: null, emails: null },
          { id: ok.id, firstName: 'Ton', emails: [{ address: 'ton@example.test' }] },
          null,
        ],
      },
      errors: [
        denied(q, ['customers', 0, 'firstName'], 'NO_CONSENT', 'identity.name', lb),
        denied(q, ['customers', 0, 'emails'], 'NO_CONSENT', 'contact.email', lb),
        denied(q, ['customers', 1, 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
        denied(q, ['customers', 1, 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age'),
        denied(q, ['customers', 2, 'firstName'], 'OBJECTED', 'identity.name', dm),
        denied(q, ['customers', 2, 'emails'], 'OBJECTED', 'contact.email', dm),
      ],
    });
  });
});

describe('วิธีการขอดู, แก้ไข ,ลบ, ระงับ: suspension', () => {
  test('consultation sees the account as last four digits and the chat; once processing is suspended it sees nothing, complaint records still do', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_suspend', firstName: 'Pim', lastName: 'Suspended', dateOfBirth: bornYearsAgo(35), collectedDaysAgo: 60,
      bankAccounts: [{ bankName: 'KTB', accountHolder: 'Pim Suspended', accountNumber: '9876543210' }],
      communications: [{ channel: 'chat', subject: 'LINE chat', body: 'Where is my order?', daysAgo: 3 }],
    });
    const q = `query($id: ID!) { customer(id: $id) { firstName bankAccounts { accountNumber } communications { subject body } } }`;
    const before = await ask(gw, 'support-service', 'consultation', q, { id: c.id });
    expectResponse(before, 200, {
      data: { customer: { firstName: 'Pim', bankAccounts: [{ accountNumber: '******3210' }], communications: [{ subject: null, body: 'Where is my order?' }] } },
      errors: [denied(q, ['customer', 'communications', 0, 'subject'], 'CATEGORY_NOT_IN_PURPOSE', 'communication.support_ticket', 'purposes.consultation.categories')],
    });

    await restrict(gw.stores, c.id);
    const during = await ask(gw, 'support-service', 'consultation', q, { id: c.id });
    expectResponse(during, 200, {
      data: { customer: { firstName: null, bankAccounts: null, communications: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'RESTRICTED', 'identity.name', 'restriction.customer'),
        denied(q, ['customer', 'bankAccounts'], 'RESTRICTED', 'financial.bank_account', 'restriction.customer'),
        // Communication's categories: support_ticket (not in consultation) and chat (restricted): the covered one's reason.
        denied(q, ['customer', 'communications'], 'RESTRICTED', 'communication.chat', 'restriction.customer'),
      ],
    });

    const qc = `query($id: ID!) { customer(id: $id) { firstName communications { subject body } } }`;
    const complaints = await ask(gw, 'support-service', 'complaint_records', qc, { id: c.id });
    expectResponse(complaints, 200, { data: { customer: { firstName: 'Pim', communications: [{ subject: 'LINE chat', body: 'Where is my order?' }] } } });
  });
});

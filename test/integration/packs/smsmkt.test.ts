import { startTestGateway, TestGateway } from '../../support/gateway';
import {
  accessLog, ask, bornYearsAgo, consent, denied, EVENT_FIELDS, eventView, expectResponse, insertPerson, iso, restrict, storedEvents, YEAR_DAYS,
} from '../../fixtures/pack-scenarios';

/**
 * SMSMKT (Clicknext Co., Ltd.; policies/smsmkt.yaml, seed 000): scenarios from the policy's own
 * text (sections 1.x-4.x), through HTTP, whole responses asserted.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ policy: 'smsmkt.yaml' });
});
afterAll(() => gw.close());

const DPO = ['dpo'];

describe('1.2 / 2.6 / 2.7 receipts and tax invoices', () => {
  test('tax invoicing sees the taxpayer ID and national ID; news and offers, even with consent, cannot', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sms_taxpayer', firstName: 'Rattana', lastName: 'Sender', dateOfBirth: bornYearsAgo(42), nationalId: '3101400456789', collectedDaysAgo: 90,
      emails: [{ address: 'rattana@sendershop.example' }],
      addresses: [{ line1: '99/1 Rama IV Rd', city: 'Bangkok', postcode: '10500', country: 'TH' }],
      orders: [{ daysAgo: 90, total: '5350.00', currency: 'THB', status: 'paid', items: '10,000 SMS credits', invoice: { invoiceNumber: 'CN-TX-2025-1101', billingName: 'Sender Shop Co., Ltd.', billingAddress: '99/1 Rama IV Rd, Bangkok 10500', taxId: '0105555123456', amount: '5350.00' } }],
    });
    await consent(gw.stores, c.id, 'news_and_offers');
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    nationalId
    addresses { line1 postcode }
    invoices { invoiceNumber billingName taxId amount }
  }
}`;
    const tax = await ask(gw, 'billing-service', 'tax_invoicing', q, { id: c.id });
    expectResponse(tax, 200, {
      data: {
        customer: {
          firstName: 'Rattana', nationalId: '3101400456789', addresses: [{ line1: '99/1 Rama IV Rd', postcode: '10500' }],
          invoices: [{ invoiceNumber: 'CN-TX-2025-1101', billingName: 'Sender Shop Co., Ltd.', taxId: '0105555123456', amount: '5350.00' }],
        },
      },
    });
    expect(await accessLog(gw, tax, 'effect, reason, category, field_path, fields, caller, purpose, customer_id')).toEqual([
      { effect: 'ALLOW', reason: null, category: 'contact.address', field_path: 'customer', fields: ['addresses.0.line1', 'addresses.0.postcode'] },
      { effect: 'ALLOW', reason: null, category: 'financial.invoice', field_path: 'customer', fields: ['invoices.0.amount', 'invoices.0.billingName', 'invoices.0.invoiceNumber'] },
      { effect: 'ALLOW', reason: null, category: 'financial.tax_id', field_path: 'customer', fields: ['invoices.0.taxId'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
      { effect: 'ALLOW', reason: null, category: 'identity.national_id', field_path: 'customer', fields: ['nationalId'] },
    ].map((e) => ({ ...e, caller: 'billing-service', purpose: 'tax_invoicing', customer_id: c.id })));

    const news = await ask(gw, 'marketing-service', 'news_and_offers', q, { id: c.id });
    const rule = 'purposes.news_and_offers.categories';
    expectResponse(news, 200, {
      data: {
        customer: {
          firstName: 'Rattana', nationalId: null, addresses: null,
          invoices: null,
        },
      },
      errors: [
        denied(q, ['customer', 'nationalId'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.national_id', rule),
        denied(q, ['customer', 'addresses'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.address', rule),
        // An invoice's categories are financial.invoice and financial.tax_id, neither covered: the first one's denial.
        denied(q, ['customer', 'invoices'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.invoice', rule),
      ],
    });
  });
});

describe('2.1 / 2.10 news and offers (direct marketing); 2.1 surveys', () => {
  test('an objection to news is absolute over a consent; a survey objection for e-mail only is honoured for e-mail; service contact is unaffected; the DPO removes the objection', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sms_objector', firstName: 'Pranee', lastName: 'NoNews', dateOfBirth: bornYearsAgo(37), collectedDaysAgo: 30,
      emails: [{ address: 'pranee.nonews@example.test' }], phones: [{ number: '+66877770007' }],
    });
    await consent(gw.stores, c.id, 'news_and_offers');
    const m = `mutation($id: ID!, $p: String!, $cat: String) { recordObjection(customerId: $id, purpose: $p, category: $cat) { ${EVENT_FIELDS} } }`;
    const news = await ask(gw, 'marketing-service', null, m, { id: c.id, p: 'news_and_offers' });
    const survey = await ask(gw, 'marketing-service', null, m, { id: c.id, p: 'opinion_survey', cat: 'contact.email' });
    const [newsObjection, surveyObjection] = await storedEvents(gw, 'objection_events', c.id);
    expectResponse(news, 200, { data: { recordObjection: eventView(newsObjection, { kind: 'objection', customerId: c.id, action: 'object', purpose: 'news_and_offers', recordedBy: 'marketing-service' }) } });
    expectResponse(survey, 200, { data: { recordObjection: eventView(surveyObjection, { kind: 'objection', customerId: c.id, action: 'object', purpose: 'opinion_survey', category: 'contact.email', recordedBy: 'marketing-service' }) } });

    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } phones { number } } }`;
    const dm = 'purposes.news_and_offers.direct_marketing';
    const newsRead = await ask(gw, 'marketing-service', 'news_and_offers', q, { id: c.id });
    expectResponse(newsRead, 200, {
      data: { customer: { firstName: null, emails: null, phones: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'OBJECTED', 'identity.name', dm),
        denied(q, ['customer', 'emails'], 'OBJECTED', 'contact.email', dm),
        denied(q, ['customer', 'phones'], 'OBJECTED', 'contact.phone', dm),
      ],
    });

    const surveyRead = await ask(gw, 'marketing-service', 'opinion_survey', q, { id: c.id });
    expectResponse(surveyRead, 200, {
      data: { customer: { firstName: 'Pranee', emails: null, phones: null } },
      errors: [
        denied(q, ['customer', 'emails'], 'OBJECTED', 'contact.email', 'purposes.opinion_survey.lawful_basis'),
        denied(q, ['customer', 'phones'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.phone', 'purposes.opinion_survey.categories'),
      ],
    });

    const contact = await ask(gw, 'support-service', 'service_contact', q, { id: c.id });
    expectResponse(contact, 200, { data: { customer: { firstName: 'Pranee', emails: [{ address: 'pranee.nonews@example.test' }], phones: [{ number: '+66877770007' }] } } });

    // The subject changes their mind; only the DPO removes an objection.
    const rm = `mutation($id: ID!) { removeObjection(customerId: $id, purpose: "news_and_offers") { ${EVENT_FIELDS} } }`;
    const removed = await ask(gw, 'dpo-console', null, rm, { id: c.id }, DPO);
    const [, , removal] = await storedEvents(gw, 'objection_events', c.id);
    expectResponse(removed, 200, { data: { removeObjection: eventView(removal, { kind: 'objection', customerId: c.id, action: 'remove', purpose: 'news_and_offers', recordedBy: 'dpo-console' }) } });
    const again = await ask(gw, 'marketing-service', 'news_and_offers', q, { id: c.id });
    expectResponse(again, 200, { data: { customer: { firstName: 'Pranee', emails: [{ address: 'pranee.nonews@example.test' }], phones: [{ number: '+66877770007' }] } } });
  });
});

describe('2.4 payment; 2.5 transaction verification; 4.1 access limited to need', () => {
  test('payment sees the bank account as last four digits and the card; verification sees card fields masked and a year of login IPs', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sms_payer', firstName: 'Surachai', lastName: 'Credit', dateOfBirth: bornYearsAgo(48), collectedDaysAgo: 100,
      bankAccounts: [{ bankName: 'GSB', accountHolder: 'Surachai Credit', accountNumber: '0201112223' }],
      paymentCards: [{ token: 'tok_sms_0c4d', last4: '5100', brand: 'JCB', expiryMonth: 12, expiryYear: 2027 }],
      accounts: [{ username: 'surachai_sms', logins: [{ daysAgo: 10, ipAddress: '203.0.113.99', userAgent: 'SMSMKT-Web/2.0' }, { daysAgo: 400, ipAddress: '203.0.113.98', userAgent: 'SMSMKT-Web/1.0' }] }],
    });
    const qp = `query($id: ID!) { customer(id: $id) { firstName bankAccounts { accountNumber } paymentCards { token last4 brand } } }`;
    const payment = await ask(gw, 'billing-service', 'payment', qp, { id: c.id });
    expectResponse(payment, 200, {
      data: { customer: { firstName: 'Surachai', bankAccounts: [{ accountNumber: '******2223' }], paymentCards: [{ token: 'tok_sms_0c4d', last4: '5100', brand: 'JCB' }] } },
    });

    const [recent] = c.accounts[0].logins;
    const qv = `query($id: ID!) {
  customer(id: $id) {
    firstName
    paymentCards { token last4 brand }
    accounts { username loginEvents { ipAddress occurredAt userAgent } }
  }
}`;
    const verify = await ask(gw, 'security-service', 'transaction_verification', qv, { id: c.id });
    expectResponse(verify, 200, {
      data: {
        customer: {
          firstName: 'Surachai',
          paymentCards: [{ token: '********0c4d', last4: '****', brand: '***' }],
          accounts: [{ username: null, loginEvents: [{ ipAddress: '203.0.113.99', occurredAt: iso(recent.occurredAt), userAgent: null }] }],
        },
      },
      errors: [
        denied(qv, ['customer', 'accounts', 0, 'username'], 'CATEGORY_NOT_IN_PURPOSE', 'account.username', 'purposes.transaction_verification.categories'),
        denied(qv, ['customer', 'accounts', 0, 'loginEvents', 0, 'userAgent'], 'CATEGORY_NOT_IN_PURPOSE', 'technical.user_agent', 'purposes.transaction_verification.categories'),
      ],
    });
  });
});

describe('2.9 internal research on user behaviour', () => {
  test('research sees orders and device data but no names, contact data or IP addresses', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sms_research', firstName: 'Ladda', lastName: 'Studied', dateOfBirth: bornYearsAgo(26), collectedDaysAgo: 50,
      emails: [{ address: 'ladda.studied@example.test' }],
      accounts: [{ username: 'ladda_sms', logins: [{ daysAgo: 5, ipAddress: '198.51.100.5', userAgent: 'SMSMKT-iOS/5.1' }] }],
      orders: [{ daysAgo: 50, total: '1070.00', currency: 'THB', status: 'paid', items: '2,000 SMS credits' }],
    });
    const [login] = c.accounts[0].logins;
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    emails { address }
    orders { total items }
    accounts { loginEvents { ipAddress userAgent occurredAt } }
  }
}`;
    const r = await ask(gw, 'crm-service', 'user_research', q, { id: c.id });
    const rule = 'purposes.user_research.categories';
    expectResponse(r, 200, {
      data: {
        customer: {
          firstName: null, emails: null, orders: [{ total: '1070.00', items: '2,000 SMS credits' }],
          accounts: [{ loginEvents: [{ ipAddress: null, userAgent: 'SMSMKT-iOS/5.1', occurredAt: iso(login.occurredAt) }] }],
        },
      },
      errors: [
        denied(q, ['customer', 'firstName'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.name', rule),
        denied(q, ['customer', 'emails'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.email', rule),
        denied(q, ['customer', 'accounts', 0, 'loginEvents', 0, 'ipAddress'], 'CATEGORY_NOT_IN_PURPOSE', 'technical.ip_address', rule),
      ],
    });
  });
});

describe('4.2 "as long as necessary, or as the law requires"', () => {
  test('a 3-year-old order is past order processing\'s 2 years but kept for tax invoicing\'s 5; order processing still sees the recent one', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sms_retention', firstName: 'Wanida', lastName: 'Archive', dateOfBirth: bornYearsAgo(55), collectedDaysAgo: 3 * YEAR_DAYS,
      orders: [
        { daysAgo: 3 * YEAR_DAYS, total: '2140.00', currency: 'THB', status: 'paid', items: '4,000 SMS credits' },
        { daysAgo: 200, total: '535.00', currency: 'THB', status: 'paid', items: '1,000 SMS credits' },
      ],
    });
    const [old, recent] = c.orders;
    const q = `query($id: ID!) { customer(id: $id) { firstName orders { id total } } }`;
    const processing = await ask(gw, 'crm-service', 'order_processing', q, { id: c.id });
    expectResponse(processing, 200, {
      data: { customer: { firstName: null, orders: [{ id: recent.id, total: '535.00' }] } },
      errors: [denied(q, ['customer', 'firstName'], 'RETENTION_EXPIRED', 'identity.name', 'purposes.order_processing.retention')],
    });
    expect(await accessLog(gw, processing, 'effect, reason, category, field_path, fields, rule')).toEqual([
      { effect: 'ALLOW', reason: null, category: 'financial.order', field_path: 'customer', fields: ['orders.0.id', 'orders.0.total'], rule: 'purposes.order_processing.lawful_basis' },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.order', field_path: 'customer', fields: [`orders[id=${old.id}]`], rule: 'purposes.order_processing.retention' },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'identity.name', field_path: 'customer', fields: ['firstName'], rule: 'purposes.order_processing.retention' },
    ]);

    const tax = await ask(gw, 'billing-service', 'tax_invoicing', q, { id: c.id });
    expectResponse(tax, 200, { data: { customer: { firstName: 'Wanida', orders: [{ id: old.id, total: '2140.00' }, { id: recent.id, total: '535.00' }] } } });
  });
});

describe('minors (not in the policy; PDPA s.20) and restriction', () => {
  test("a 19-year-old's own consent to news is not enough, a guardian's recorded by marketing-service is; a restriction stops service contact but never tax invoicing", async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sms_teen', firstName: 'Beam', lastName: 'Student', dateOfBirth: bornYearsAgo(19), nationalId: '1100800765432', collectedDaysAgo: 25,
      emails: [{ address: 'beam.student@example.test' }],
      orders: [{ daysAgo: 25, total: '107.00', currency: 'THB', status: 'paid', items: '200 SMS credits', invoice: { invoiceNumber: 'CN-TX-2025-2002', billingName: 'Beam Student', billingAddress: 'Khon Kaen 40000', taxId: '1100800765432', amount: '107.00' } }],
    });
    await consent(gw.stores, c.id, 'news_and_offers');
    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    const own = await ask(gw, 'marketing-service', 'news_and_offers', q, { id: c.id });
    expectResponse(own, 200, {
      data: { customer: { firstName: null, emails: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
        denied(q, ['customer', 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age'),
      ],
    });
    const g = await ask(gw, 'marketing-service', null, `mutation { grantConsent(input: { customerId: "${c.id}", purpose: "news_and_offers", givenBy: guardian, source: "email" }) { givenBy recordedBy } }`);
    expectResponse(g, 200, { data: { grantConsent: { givenBy: 'guardian', recordedBy: 'marketing-service' } } });
    const guardian = await ask(gw, 'marketing-service', 'news_and_offers', q, { id: c.id });
    expectResponse(guardian, 200, { data: { customer: { firstName: 'Beam', emails: [{ address: 'beam.student@example.test' }] } } });

    await restrict(gw.stores, c.id);
    const contact = await ask(gw, 'support-service', 'service_contact', q, { id: c.id });
    expectResponse(contact, 200, {
      data: { customer: { firstName: null, emails: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'RESTRICTED', 'identity.name', 'restriction.customer'),
        denied(q, ['customer', 'emails'], 'RESTRICTED', 'contact.email', 'restriction.customer'),
      ],
    });
    const qt = `query($id: ID!) { customer(id: $id) { firstName invoices { invoiceNumber taxId } } }`;
    const tax = await ask(gw, 'billing-service', 'tax_invoicing', qt, { id: c.id });
    expectResponse(tax, 200, { data: { customer: { firstName: 'Beam', invoices: [{ invoiceNumber: 'CN-TX-2025-2002', taxId: '1100800765432' }] } } });
  });
});

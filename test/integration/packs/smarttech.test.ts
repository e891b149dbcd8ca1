import { startTestGateway, TestGateway } from '../../support/gateway';
import {
  accessLog, ask, bornYearsAgo, consent, denied, erase, EVENT_FIELDS, eventView, expectResponse, insertPerson,
  object, rectificationPending, storedEvents, YEAR_DAYS,
} from '../../fixtures/pack-scenarios';

/**
 * SmartTech Enterprise (policies/smarttech.yaml, seed 001): scenarios from the policy's own text,
 * through HTTP, whole responses asserted. Cites are the pack's (Thai headings).
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ policy: 'smarttech.yaml' });
});
afterAll(() => gw.close());

const DPO = ['dpo'];

describe('ผู้เยาว์ (minors.age 20)', () => {
  test("a 19-year-old's own consent to marketing is not enough; a guardian's consent recorded by the DPO is", async () => {
    const c = await insertPerson(gw.stores, {
      id: 'st_minor19', firstName: 'Ploy', lastName: 'Minor', dateOfBirth: bornYearsAgo(19), nationalId: '1101700209999', collectedDaysAgo: 20,
      emails: [{ address: 'ploy.minor@example.test' }],
    });
    await consent(gw.stores, c.id, 'marketing', { givenBy: 'subject' });
    const q = `query Minor($id: ID!) {
  customer(id: $id) {
    firstName
    emails { address }
    nationalId
  }
}`;
    const before = await ask(gw, 'marketing-service', 'marketing', q, { id: c.id });
    expectResponse(before, 200, {
      data: { customer: { firstName: null, emails: [{ address: null }], nationalId: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
        denied(q, ['customer', 'emails', 0, 'address'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age'),
        denied(q, ['customer', 'nationalId'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.national_id', 'purposes.marketing.categories'),
      ],
    });
    expect(await accessLog(gw, before)).toEqual([
      { effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', category: 'contact.email', field_path: 'customer', fields: ['emails.0.address'] },
      { effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'identity.national_id', field_path: 'customer', fields: ['nationalId'] },
    ]);

    // The DPO records the parent's consent (ผู้เยาว์: "ความยินยอมจากผู้ปกครอง").
    const m = `mutation Guardian($id: ID!) { grantConsent(input: { customerId: $id, purpose: "marketing", givenBy: guardian, source: "phone" }) { ${EVENT_FIELDS} } }`;
    const granted = await ask(gw, 'dpo-console', null, m, { id: c.id }, DPO);
    const [, guardianEvent] = await storedEvents(gw, 'consent_events', c.id);
    expectResponse(granted, 200, {
      data: { grantConsent: eventView(guardianEvent, { kind: 'consent', customerId: c.id, action: 'grant', purpose: 'marketing', givenBy: 'guardian', explicit: false, source: 'phone', recordedBy: 'dpo-console' }) },
    });

    const after = await ask(gw, 'marketing-service', 'marketing', q, { id: c.id });
    expectResponse(after, 200, {
      data: { customer: { firstName: 'Ploy', emails: [{ address: 'ploy.minor@example.test' }], nationalId: null } },
      errors: [denied(q, ['customer', 'nationalId'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.national_id', 'purposes.marketing.categories')],
    });
  });
});

describe('สิทธิขอถอนความยินยอม (withdraw consent at any time)', () => {
  test('the newsletter unsubscribe, recorded by marketing-service, takes effect on the very next request; the history keeps both events', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'st_unsub', firstName: 'Malee', lastName: 'Unsub', dateOfBirth: bornYearsAgo(41), collectedDaysAgo: 90,
      emails: [{ address: 'malee.unsub@example.test' }], phones: [{ number: '+66822220001' }],
    });
    const grant = `mutation { grantConsent(input: { customerId: "${c.id}", purpose: "marketing", source: "signup_form" }) { ${EVENT_FIELDS} } }`;
    const g = await ask(gw, 'marketing-service', null, grant);
    const [grantEvent] = await storedEvents(gw, 'consent_events', c.id);
    expectResponse(g, 200, {
      data: { grantConsent: eventView(grantEvent, { kind: 'consent', customerId: c.id, action: 'grant', purpose: 'marketing', givenBy: 'subject', explicit: false, source: 'signup_form', recordedBy: 'marketing-service' }) },
    });

    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    emails { address }
    phones { number }
  }
}`;
    const before = await ask(gw, 'marketing-service', 'marketing', q, { id: c.id });
    expectResponse(before, 200, { data: { customer: { firstName: 'Malee', emails: [{ address: 'malee.unsub@example.test' }], phones: [{ number: '+66822220001' }] } } });

    const w = `mutation { withdrawConsent(customerId: "${c.id}", purpose: "marketing", source: "email") { ${EVENT_FIELDS} } }`;
    const withdrawn = await ask(gw, 'marketing-service', null, w);
    const [, withdrawEvent] = await storedEvents(gw, 'consent_events', c.id);
    expectResponse(withdrawn, 200, {
      data: { withdrawConsent: eventView(withdrawEvent, { kind: 'consent', customerId: c.id, action: 'withdraw', purpose: 'marketing', explicit: false, source: 'email', recordedBy: 'marketing-service' }) },
    });

    const after = await ask(gw, 'marketing-service', 'marketing', q, { id: c.id });
    const rule = 'purposes.marketing.lawful_basis';
    expectResponse(after, 200, {
      data: { customer: { firstName: null, emails: [{ address: null }], phones: [{ number: null }] } },
      errors: [
        denied(q, ['customer', 'firstName'], 'CONSENT_WITHDRAWN', 'identity.name', rule),
        denied(q, ['customer', 'emails', 0, 'address'], 'CONSENT_WITHDRAWN', 'contact.email', rule),
        denied(q, ['customer', 'phones', 0, 'number'], 'CONSENT_WITHDRAWN', 'contact.phone', rule),
      ],
    });
    expect(await accessLog(gw, after)).toEqual([
      { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', category: 'contact.email', field_path: 'customer', fields: ['emails.0.address'] },
      { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', category: 'contact.phone', field_path: 'customer', fields: ['phones.0.number'] },
      { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);

    const h = `query { consentHistory(customerId: "${c.id}") { ${EVENT_FIELDS} } }`;
    const history = await ask(gw, 'dpo-console', null, h, undefined, DPO);
    expectResponse(history, 200, {
      data: {
        consentHistory: [
          eventView(grantEvent, { kind: 'consent', customerId: c.id, action: 'grant', purpose: 'marketing', givenBy: 'subject', explicit: false, source: 'signup_form', recordedBy: 'marketing-service' }),
          eventView(withdrawEvent, { kind: 'consent', customerId: c.id, action: 'withdraw', purpose: 'marketing', explicit: false, source: 'email', recordedBy: 'marketing-service' }),
        ],
      },
    });
  });
});

describe('การประมวลผลข้อมูลส่วนบุคคล: payment, internal administration, feedback', () => {
  const spec = {
    id: 'st_buyer', firstName: 'Somchai', lastName: 'Buyer', dateOfBirth: bornYearsAgo(36), nationalId: '1101700203451', collectedDaysAgo: 30,
    emails: [{ address: 'somchai.buyer@example.test' }], phones: [{ number: '+66811110001' }],
    bankAccounts: [{ bankName: 'Kasikornbank', accountHolder: 'Somchai Buyer', accountNumber: '0123456789' }],
    paymentCards: [{ token: 'tok_visa_9f3a', last4: '4242', brand: 'VISA', expiryMonth: 9, expiryYear: 2030 }],
    orders: [{ daysAgo: 30, total: '1290.00', currency: 'THB', status: 'delivered', items: '1 x kettle' }],
    healthDeclarations: [{ daysAgo: 5, temperatureC: 36.6, symptoms: [], exposure: false, vaccinationStatus: 'vaccinated' }],
  };
  let c: Awaited<ReturnType<typeof insertPerson>>;
  beforeAll(async () => {
    c = await insertPerson(gw.stores, spec);
  });

  test('payment sees the bank account as its last four digits, the card and orders in full, and never health data or the phone', async () => {
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    bankAccounts { bankName accountNumber }
    paymentCards { brand last4 }
    orders { total status }
    healthDeclarations { temperatureC }
    phones { number }
  }
}`;
    const r = await ask(gw, 'billing-service', 'payment', q, { id: c.id });
    const rule = 'purposes.payment.categories';
    expectResponse(r, 200, {
      data: {
        customer: {
          firstName: 'Somchai',
          bankAccounts: [{ bankName: '********bank', accountNumber: '******6789' }],
          paymentCards: [{ brand: 'VISA', last4: '4242' }],
          orders: [{ total: '1290.00', status: 'delivered' }],
          healthDeclarations: [{ temperatureC: null }],
          phones: [{ number: null }],
        },
      },
      errors: [
        denied(q, ['customer', 'healthDeclarations', 0, 'temperatureC'], 'CATEGORY_NOT_IN_PURPOSE', 'health.declaration', rule),
        denied(q, ['customer', 'phones', 0, 'number'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.phone', rule),
      ],
    });
    expect(await accessLog(gw, r)).toEqual([
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'contact.phone', field_path: 'customer', fields: ['phones.0.number'] },
      { effect: 'MASK', reason: null, category: 'financial.bank_account', field_path: 'customer', fields: ['bankAccounts.0.accountNumber', 'bankAccounts.0.bankName'] },
      { effect: 'ALLOW', reason: null, category: 'financial.order', field_path: 'customer', fields: ['orders.0.status', 'orders.0.total'] },
      { effect: 'ALLOW', reason: null, category: 'financial.payment_card', field_path: 'customer', fields: ['paymentCards.0.brand', 'paymentCards.0.last4'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'health.declaration', field_path: 'customer', fields: ['healthDeclarations.0.temperatureC'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);
  });

  test('internal administration sees e-mail addresses masked ("only as needed"); feedback sees the phone as its last four digits', async () => {
    const qa = `query($id: ID!) { customer(id: $id) { firstName emails { address } phones { number } } }`;
    const admin = await ask(gw, 'crm-service', 'internal_administration', qa, { id: c.id });
    expectResponse(admin, 200, {
      data: { customer: { firstName: 'Somchai', emails: [{ address: 's***@example.test' }], phones: [{ number: null }] } },
      errors: [denied(qa, ['customer', 'phones', 0, 'number'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.phone', 'purposes.internal_administration.categories')],
    });

    const qf = `query($id: ID!) { customer(id: $id) { firstName phones { number } bankAccounts { accountNumber } } }`;
    const feedback = await ask(gw, 'support-service', 'feedback', qf, { id: c.id });
    expectResponse(feedback, 200, {
      data: { customer: { firstName: 'Somchai', phones: [{ number: '********0001' }], bankAccounts: [{ accountNumber: null }] } },
      errors: [denied(qf, ['customer', 'bankAccounts', 0, 'accountNumber'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.bank_account', 'purposes.feedback.categories')],
    });
  });
});

describe('สิทธิคัดค้าน (objection)', () => {
  test('absolute for marketing despite a consent, honoured for product improvement (legitimate interest), no effect on delivery (contract)', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'st_objector', firstName: 'Kanya', lastName: 'Objector', dateOfBirth: bornYearsAgo(29), collectedDaysAgo: 60,
      emails: [{ address: 'kanya.objector@example.test' }],
      orders: [{ daysAgo: 60, total: '450.00', currency: 'THB', status: 'delivered', items: '2 x mug' }],
    });
    await consent(gw.stores, c.id, 'marketing');
    // The customer objects to marketing through marketing-service's preference centre.
    const m = `mutation { recordObjection(customerId: "${c.id}", purpose: "marketing", reason: "no more offers") { ${EVENT_FIELDS} } }`;
    const rec = await ask(gw, 'marketing-service', null, m);
    const [marketingObjection] = await storedEvents(gw, 'objection_events', c.id);
    expectResponse(rec, 200, {
      data: { recordObjection: eventView(marketingObjection, { kind: 'objection', customerId: c.id, action: 'object', purpose: 'marketing', reason: 'no more offers', recordedBy: 'marketing-service' }) },
    });
    await object(gw.stores, c.id, 'product_improvement');
    await object(gw.stores, c.id, 'order_delivery');

    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } orders { total } } }`;
    const marketing = await ask(gw, 'marketing-service', 'marketing', q, { id: c.id });
    const dm = 'purposes.marketing.direct_marketing';
    expectResponse(marketing, 200, {
      data: { customer: { firstName: null, emails: [{ address: null }], orders: [{ total: null }] } },
      errors: [
        denied(q, ['customer', 'firstName'], 'OBJECTED', 'identity.name', dm),
        denied(q, ['customer', 'emails', 0, 'address'], 'OBJECTED', 'contact.email', dm),
        denied(q, ['customer', 'orders', 0, 'total'], 'OBJECTED', 'financial.order', dm),
      ],
    });

    const qi = `query($id: ID!) { customer(id: $id) { orders { total } } }`;
    const improvement = await ask(gw, 'crm-service', 'product_improvement', qi, { id: c.id });
    expectResponse(improvement, 200, {
      data: { customer: { orders: [{ total: null }] } },
      errors: [denied(qi, ['customer', 'orders', 0, 'total'], 'OBJECTED', 'financial.order', 'purposes.product_improvement.lawful_basis')],
    });

    const delivery = await ask(gw, 'crm-service', 'order_delivery', q, { id: c.id });
    expectResponse(delivery, 200, {
      data: { customer: { firstName: 'Kanya', emails: [{ address: 'kanya.objector@example.test' }], orders: [{ total: '450.00' }] } },
    });
  });
});

describe('สิทธิขอลบ / ระยะเวลาจัดเก็บ (erasure, retention)', () => {
  test('after an erasure only legal compliance sees the data, and only records younger than its 5 years', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'st_erased', firstName: 'Niran', lastName: 'Erased', dateOfBirth: bornYearsAgo(45), nationalId: '3100600123457', collectedDaysAgo: 4 * YEAR_DAYS,
      emails: [{ address: 'niran.erased@example.test' }],
      bankAccounts: [{ bankName: 'SCB', accountHolder: 'Niran Erased', accountNumber: '4071234567', daysAgo: 30 }],
      orders: [
        { daysAgo: 6 * YEAR_DAYS, total: '990.00', currency: 'THB', status: 'delivered', items: '1 x fan', invoice: { invoiceNumber: 'ST-2019-0001', billingName: 'Niran Erased', billingAddress: 'Bangkok 10160', taxId: '3100600123457', amount: '990.00' } },
        { daysAgo: 4 * YEAR_DAYS, total: '2500.00', currency: 'THB', status: 'delivered', items: '1 x rice cooker', invoice: { invoiceNumber: 'ST-2021-0042', billingName: 'Niran Erased', billingAddress: 'Bangkok 10160', taxId: '3100600123457', amount: '2500.00' } },
      ],
    });
    await erase(gw.stores, c.id);

    const qa = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    const account = await ask(gw, 'crm-service', 'account_management', qa, { id: c.id });
    expectResponse(account, 200, {
      data: { customer: { firstName: null, emails: [{ address: null }] } },
      errors: [
        denied(qa, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qa, ['customer', 'emails', 0, 'address'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      ],
    });

    const qp = `query($id: ID!) { customer(id: $id) { bankAccounts { accountNumber } } }`;
    const payment = await ask(gw, 'billing-service', 'payment', qp, { id: c.id });
    expectResponse(payment, 200, {
      data: { customer: { bankAccounts: [{ accountNumber: null }] } },
      errors: [denied(qp, ['customer', 'bankAccounts', 0, 'accountNumber'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure')],
    });

    const ql = `query($id: ID!) {
  customer(id: $id) {
    firstName
    nationalId
    orders { id total }
    invoices { id invoiceNumber taxId amount }
    emails { address }
  }
}`;
    const legal = await ask(gw, 'billing-service', 'legal_compliance', ql, { id: c.id });
    const [oldOrder, order] = c.orders;
    const [oldInvoice, invoice] = c.invoices;
    expectResponse(legal, 200, {
      data: {
        customer: {
          firstName: 'Niran', nationalId: '3100600123457',
          orders: [{ id: order.id, total: '2500.00' }],
          invoices: [{ id: invoice.id, invoiceNumber: 'ST-2021-0042', taxId: '3100600123457', amount: '2500.00' }],
          emails: [{ address: null }],
        },
      },
      errors: [denied(ql, ['customer', 'emails', 0, 'address'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.email', 'purposes.legal_compliance.categories')],
    });
    const log = await accessLog(gw, legal, 'effect, reason, category, field_path, fields, rule');
    expect(log.filter((e) => e.reason === 'RETENTION_EXPIRED')).toEqual([
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.invoice', field_path: 'customer', fields: [`invoices[id=${oldInvoice.id}]`], rule: 'purposes.legal_compliance.retention' },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.order', field_path: 'customer', fields: [`orders[id=${oldOrder.id}]`], rule: 'purposes.legal_compliance.retention' },
    ]);
  });

  test('account data past its 5 years is expired for account management; the DPO still answers an access request (10 years)', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'st_lapsed', firstName: 'Anong', lastName: 'Lapsed', dateOfBirth: bornYearsAgo(50), collectedDaysAgo: 6 * YEAR_DAYS,
      emails: [{ address: 'anong.lapsed@example.test' }],
    });
    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    const account = await ask(gw, 'crm-service', 'account_management', q, { id: c.id });
    expectResponse(account, 200, {
      data: { customer: { firstName: null, emails: [] } },
      errors: [denied(q, ['customer', 'firstName'], 'RETENTION_EXPIRED', 'identity.name', 'purposes.account_management.retention')],
    });
    const dpo = await ask(gw, 'dpo-console', 'data_subject_request', q, { id: c.id }, DPO);
    expectResponse(dpo, 200, { data: { customer: { firstName: 'Anong', emails: [{ address: 'anong.lapsed@example.test' }] } } });
  });
});

describe('สิทธิขอให้ระงับ / แก้ไข (restriction, rectification)', () => {
  test('a DPO restriction stops after-sales but not legal compliance; lifted, after-sales resumes except the phone under correction', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'st_restricted', firstName: 'Wichai', lastName: 'Restricted', dateOfBirth: bornYearsAgo(33), nationalId: '1409900111222', collectedDaysAgo: 100,
      phones: [{ number: '+66833330003' }],
      orders: [{ daysAgo: 100, total: '3200.00', currency: 'THB', status: 'returned', items: '1 x blender' }],
    });
    await rectificationPending(gw.stores, c.id, 'contact.phone');
    // `purpose: null` spelled out; an omitted purpose means the same (customer-state.test.ts).
    const restrictM = `mutation { restrictProcessing(customerId: "${c.id}", purpose: null, reason: "accuracy contested") { ${EVENT_FIELDS} } }`;
    const restricted = await ask(gw, 'dpo-console', null, restrictM, undefined, DPO);
    const [restriction] = await storedEvents(gw, 'restriction_events', c.id);
    expectResponse(restricted, 200, {
      data: { restrictProcessing: eventView(restriction, { kind: 'restriction', customerId: c.id, action: 'restrict', reason: 'accuracy contested', recordedBy: 'dpo-console' }) },
    });

    const q = `query($id: ID!) { customer(id: $id) { firstName phones { number } orders { status } } }`;
    const during = await ask(gw, 'support-service', 'after_sales', q, { id: c.id });
    expectResponse(during, 200, {
      data: { customer: { firstName: null, phones: [{ number: null }], orders: [{ status: null }] } },
      errors: [
        denied(q, ['customer', 'firstName'], 'RESTRICTED', 'identity.name', 'restriction.customer'),
        denied(q, ['customer', 'phones', 0, 'number'], 'RESTRICTED', 'contact.phone', 'restriction.customer'),
        denied(q, ['customer', 'orders', 0, 'status'], 'RESTRICTED', 'financial.order', 'restriction.customer'),
      ],
    });

    const ql = `query($id: ID!) { customer(id: $id) { firstName nationalId } }`;
    const legal = await ask(gw, 'billing-service', 'legal_compliance', ql, { id: c.id });
    expectResponse(legal, 200, { data: { customer: { firstName: 'Wichai', nationalId: '1409900111222' } } });

    const liftM = `mutation { liftRestriction(customerId: "${c.id}", purpose: null) { ${EVENT_FIELDS} } }`;
    const lifted = await ask(gw, 'dpo-console', null, liftM, undefined, DPO);
    const [, lift] = await storedEvents(gw, 'restriction_events', c.id);
    expectResponse(lifted, 200, {
      data: { liftRestriction: eventView(lift, { kind: 'restriction', customerId: c.id, action: 'lift', recordedBy: 'dpo-console' }) },
    });

    const after = await ask(gw, 'support-service', 'after_sales', q, { id: c.id });
    expectResponse(after, 200, {
      data: { customer: { firstName: 'Wichai', phones: [{ number: null }], orders: [{ status: 'returned' }] } },
      errors: [denied(q, ['customer', 'phones', 0, 'number'], 'RECTIFICATION_PENDING', 'contact.phone', 'rectification.contact.phone')],
    });
    expect(await accessLog(gw, after)).toEqual([
      { effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'contact.phone', field_path: 'customer', fields: ['phones.0.number'] },
      { effect: 'ALLOW', reason: null, category: 'financial.order', field_path: 'customer', fields: ['orders.0.status'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);
  });
});

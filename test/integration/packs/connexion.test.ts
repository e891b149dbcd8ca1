import { startTestGateway, TestGateway } from '../../support/gateway';
import {
  accessLog, ago, ask, bornYearsAgo, consent, denied, erase, EVENT_FIELDS, eventView, expectResponse, insertPerson, iso, restrict,
  storedEvents, YEAR_DAYS,
} from '../../fixtures/pack-scenarios';

/**
 * Connexion CRM (policies/connexion.yaml, seed 002): scenarios from the policy's own text
 * (sections 3.x-8.x), through HTTP, whole responses asserted.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ policy: 'connexion.yaml' });
});
afterAll(() => gw.close());

const DPO = ['dpo'];

describe('8.3 restriction "e.g. restricting the use of the phone number for contacting you"', () => {
  test('phone restricted for product contact only: null there, still returned for service support; lifting restores it', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'cnx_phone', firstName: 'Somsak', lastName: 'Prospect', dateOfBirth: bornYearsAgo(46), collectedDaysAgo: 40,
      emails: [{ address: 'somsak.prospect@example.test' }], phones: [{ number: '+66855550005' }],
      socialAccounts: [{ platform: 'line', handle: '@somsak46' }],
    });
    await consent(gw.stores, c.id, 'product_interest_contact');
    const m = `mutation($id: ID!) { restrictProcessing(customerId: $id, category: "contact.phone", purpose: "product_interest_contact", reason: "8.3: no phone calls") { ${EVENT_FIELDS} } }`;
    const restricted = await ask(gw, 'dpo-console', null, m, { id: c.id }, DPO);
    const [restriction] = await storedEvents(gw, 'restriction_events', c.id);
    expectResponse(restricted, 200, {
      data: { restrictProcessing: eventView(restriction, { kind: 'restriction', customerId: c.id, action: 'restrict', category: 'contact.phone', purpose: 'product_interest_contact', reason: '8.3: no phone calls', recordedBy: 'dpo-console' }) },
    });

    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    emails { address }
    phones { number }
    socialAccounts { platform handle }
  }
}`;
    const marketing = await ask(gw, 'marketing-service', 'product_interest_contact', q, { id: c.id });
    expectResponse(marketing, 200, {
      data: {
        customer: {
          firstName: 'Somsak', emails: [{ address: 'somsak.prospect@example.test' }], phones: null,
          socialAccounts: [{ platform: 'line', handle: '@somsak46' }],
        },
      },
      errors: [denied(q, ['customer', 'phones'], 'RESTRICTED', 'contact.phone', 'restriction.contact.phone.product_interest_contact')],
    });
    expect(await accessLog(gw, marketing, 'effect, reason, category, field_path, fields, rule')).toEqual([
      { effect: 'ALLOW', reason: null, category: 'contact.email', field_path: 'customer', fields: ['emails.0.address'], rule: 'purposes.product_interest_contact.lawful_basis' },
      { effect: 'DENY', reason: 'RESTRICTED', category: 'contact.phone', field_path: 'customer', fields: ['phones'], rule: 'restriction.contact.phone.product_interest_contact' },
      { effect: 'ALLOW', reason: null, category: 'contact.social_media', field_path: 'customer', fields: ['socialAccounts.0.handle', 'socialAccounts.0.platform'], rule: 'purposes.product_interest_contact.lawful_basis' },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'], rule: 'purposes.product_interest_contact.lawful_basis' },
    ]);

    const qs = `query($id: ID!) { customer(id: $id) { firstName phones { number } } }`;
    const support = await ask(gw, 'support-service', 'service_support', qs, { id: c.id });
    expectResponse(support, 200, { data: { customer: { firstName: 'Somsak', phones: [{ number: '+66855550005' }] } } });

    const lift = `mutation($id: ID!) { liftRestriction(customerId: $id, category: "contact.phone", purpose: "product_interest_contact") { ${EVENT_FIELDS} } }`;
    const lifted = await ask(gw, 'dpo-console', null, lift, { id: c.id }, DPO);
    const [, liftEvent] = await storedEvents(gw, 'restriction_events', c.id);
    expectResponse(lifted, 200, {
      data: { liftRestriction: eventView(liftEvent, { kind: 'restriction', customerId: c.id, action: 'lift', category: 'contact.phone', purpose: 'product_interest_contact', recordedBy: 'dpo-console' }) },
    });
    const after = await ask(gw, 'marketing-service', 'product_interest_contact', q, { id: c.id });
    expectResponse(after, 200, {
      data: {
        customer: {
          firstName: 'Somsak', emails: [{ address: 'somsak.prospect@example.test' }], phones: [{ number: '+66855550005' }],
          socialAccounts: [{ platform: 'line', handle: '@somsak46' }],
        },
      },
    });
  });
});

describe('5.4 billing "only as authorised"', () => {
  test('billing sees card and bank-account fields masked to their last four characters, invoices in full, no gender and no tax ID', async () => {
    const card = { token: 'tok_cnx_5b7e1c', last4: '1881', brand: 'MASTERCARD', expiryMonth: 3, expiryYear: 2029 };
    const c = await insertPerson(gw.stores, {
      id: 'cnx_billing', firstName: 'Orawan', lastName: 'Client', dateOfBirth: bornYearsAgo(39), collectedDaysAgo: 60, gender: 'female',
      bankAccounts: [{ bankName: 'TTB', accountHolder: 'Orawan Client', accountNumber: '2223334445' }],
      paymentCards: [card],
      orders: [{ daysAgo: 60, total: '4990.00', currency: 'THB', status: 'paid', items: 'Connexion CRM, 5 seats, 1 year', invoice: { invoiceNumber: 'OC-2025-0310', billingName: 'Orawan Client Co., Ltd.', billingAddress: 'Nonthaburi 11120', taxId: '0105561000001', amount: '4990.00' } }],
    });
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    gender
    paymentCards { token last4 brand expiry }
    bankAccounts { accountNumber }
    invoices { invoiceNumber amount taxId }
  }
}`;
    const r = await ask(gw, 'billing-service', 'billing', q, { id: c.id });
    expectResponse(r, 200, {
      data: {
        customer: {
          firstName: 'Orawan', gender: null,
          // The mask applies to every field of financial.payment_card, the stored last four digits and the expiry included.
          paymentCards: [{ token: '**********7e1c', last4: '****', brand: '******CARD', expiry: '***2029' }],
          bankAccounts: [{ accountNumber: '******4445' }],
          invoices: [{ invoiceNumber: 'OC-2025-0310', amount: '4990.00', taxId: null }],
        },
      },
      errors: [
        denied(q, ['customer', 'gender'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.gender', 'purposes.billing.categories'),
        denied(q, ['customer', 'invoices', 0, 'taxId'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.tax_id', 'purposes.billing.categories'),
      ],
    });

    // 6.3 ข / 5.6: the tax invoice with its tax ID is for legal compliance.
    const qi = `query($id: ID!) { customer(id: $id) { invoices { invoiceNumber taxId } paymentCards { last4 } } }`;
    const legal = await ask(gw, 'billing-service', 'legal_compliance', qi, { id: c.id });
    expectResponse(legal, 200, {
      data: { customer: { invoices: [{ invoiceNumber: 'OC-2025-0310', taxId: '0105561000001' }], paymentCards: null } },
      errors: [denied(qi, ['customer', 'paymentCards'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.payment_card', 'purposes.legal_compliance.categories')],
    });
  });
});

describe('5.3 usage audit; 8.4 objection', () => {
  test('the audit sees who and when with the IP redacted and a year of logins; an objection stops it but not service support (contract)', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'cnx_audit', firstName: 'Kittisak', lastName: 'User', dateOfBirth: bornYearsAgo(34), collectedDaysAgo: 200,
      phones: [{ number: '+66866660006' }],
      accounts: [{ username: 'kittisak@acme', logins: [{ daysAgo: 10, ipAddress: '192.0.2.44', userAgent: 'ConnexionApp/4.2 (Android 14)' }, { daysAgo: 400, ipAddress: '192.0.2.45', userAgent: 'ConnexionApp/3.9 (Android 13)' }] }],
    });
    const [recent] = c.accounts[0].logins;
    const q = `query($id: ID!) { customer(id: $id) { firstName accounts { username loginEvents { ipAddress userAgent occurredAt } } } }`;
    const audit = await ask(gw, 'security-service', 'usage_audit', q, { id: c.id });
    expectResponse(audit, 200, {
      data: { customer: { firstName: null, accounts: [{ username: 'kittisak@acme', loginEvents: [{ ipAddress: '[redacted]', userAgent: 'ConnexionApp/4.2 (Android 14)', occurredAt: iso(recent.occurredAt) }] }] } },
      errors: [denied(q, ['customer', 'firstName'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.name', 'purposes.usage_audit.categories')],
    });

    // 8.4: the customer objects to the audit and, needlessly, to service support; crm-service records both.
    for (const purpose of ['usage_audit', 'service_support']) {
      const m = `mutation($id: ID!, $p: String!) { recordObjection(customerId: $id, purpose: $p) { ${EVENT_FIELDS} } }`;
      const rec = await ask(gw, 'crm-service', null, m, { id: c.id, p: purpose });
      const events = await storedEvents(gw, 'objection_events', c.id);
      expectResponse(rec, 200, {
        data: { recordObjection: eventView(events[events.length - 1], { kind: 'objection', customerId: c.id, action: 'object', purpose, recordedBy: 'crm-service' }) },
      });
    }
    const objected = await ask(gw, 'security-service', 'usage_audit', q, { id: c.id });
    const rule = 'purposes.usage_audit.lawful_basis';
    expectResponse(objected, 200, {
      // Every category of the accounts and of the logins below them is objected to: the list itself is denied.
      data: { customer: { firstName: null, accounts: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.name', 'purposes.usage_audit.categories'),
        denied(q, ['customer', 'accounts'], 'OBJECTED', 'account.username', rule),
      ],
    });

    const qs = `query($id: ID!) { customer(id: $id) { firstName phones { number } accounts { username } } }`;
    const support = await ask(gw, 'crm-service', 'service_support', qs, { id: c.id });
    expectResponse(support, 200, { data: { customer: { firstName: 'Kittisak', phones: [{ number: '+66866660006' }], accounts: [{ username: 'kittisak@acme' }] } } });
  });
});

describe('5.1 / 6.1 / 8.6 consent for product contact', () => {
  test('no consent, then a consent recorded by marketing-service, then withdrawn by the DPO; an expired consent and an 18-year-old in the same batch', async () => {
    const c = await insertPerson(gw.stores, { id: 'cnx_consent', firstName: 'Jintana', lastName: 'Lead', dateOfBirth: bornYearsAgo(28), collectedDaysAgo: 15, emails: [{ address: 'jintana.lead@example.test' }] });
    const expired = await insertPerson(gw.stores, { id: 'cnx_expired', firstName: 'Boon', lastName: 'Lapsed', dateOfBirth: bornYearsAgo(52), collectedDaysAgo: 15, emails: [{ address: 'boon.lapsed@example.test' }] });
    const minor = await insertPerson(gw.stores, { id: 'cnx_minor18', firstName: 'Mint', lastName: 'Young', dateOfBirth: bornYearsAgo(18), collectedDaysAgo: 15, emails: [{ address: 'mint.young@example.test' }] });
    await consent(gw.stores, expired.id, 'product_interest_contact', { expiresAt: ago(1) });
    await consent(gw.stores, minor.id, 'product_interest_contact');

    const q = `query($ids: [ID!]!) { customers(ids: $ids) { firstName emails { address } } }`;
    const ids = [c.id, expired.id, minor.id];
    const lb = 'purposes.product_interest_contact.lawful_basis';
    const others = [
      denied(q, ['customers', 1, 'firstName'], 'CONSENT_EXPIRED', 'identity.name', 'consent.expires_at'),
      denied(q, ['customers', 1, 'emails'], 'CONSENT_EXPIRED', 'contact.email', 'consent.expires_at'),
      denied(q, ['customers', 2, 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
      denied(q, ['customers', 2, 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age'),
    ];
    const othersData = [{ firstName: null, emails: null }, { firstName: null, emails: null }];

    const first = await ask(gw, 'marketing-service', 'product_interest_contact', q, { ids });
    expectResponse(first, 200, {
      data: { customers: [{ firstName: null, emails: null }, ...othersData] },
      errors: [
        denied(q, ['customers', 0, 'firstName'], 'NO_CONSENT', 'identity.name', lb),
        denied(q, ['customers', 0, 'emails'], 'NO_CONSENT', 'contact.email', lb),
        ...others,
      ],
    });

    const g = await ask(gw, 'marketing-service', null, `mutation { grantConsent(input: { customerId: "${c.id}", purpose: "product_interest_contact", source: "partner" }) { action } }`);
    expectResponse(g, 200, { data: { grantConsent: { action: 'grant' } } });
    const second = await ask(gw, 'marketing-service', 'product_interest_contact', q, { ids });
    expectResponse(second, 200, {
      data: { customers: [{ firstName: 'Jintana', emails: [{ address: 'jintana.lead@example.test' }] }, ...othersData] },
      errors: others,
    });

    const w = await ask(gw, 'dpo-console', null, `mutation { withdrawConsent(customerId: "${c.id}", purpose: "product_interest_contact") { action source recordedBy } }`, undefined, DPO);
    expectResponse(w, 200, { data: { withdrawConsent: { action: 'withdraw', source: 'support', recordedBy: 'dpo-console' } } });
    const third = await ask(gw, 'marketing-service', 'product_interest_contact', q, { ids });
    expectResponse(third, 200, {
      data: { customers: [{ firstName: null, emails: null }, ...othersData] },
      errors: [
        denied(q, ['customers', 0, 'firstName'], 'CONSENT_WITHDRAWN', 'identity.name', lb),
        denied(q, ['customers', 0, 'emails'], 'CONSENT_WITHDRAWN', 'contact.email', lb),
        ...others,
      ],
    });
  });
});

describe('8.2 erasure; 6.3 legal reasons', () => {
  test('an erased and restricted customer is invisible to billing and support; legal compliance still reads the 4-year-old tax invoice, and only what it keeps', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'cnx_erased', firstName: 'Prasert', lastName: 'Gone', dateOfBirth: bornYearsAgo(61), collectedDaysAgo: 4 * YEAR_DAYS,
      emails: [{ address: 'prasert.gone@example.test', daysAgo: 100 }],
      orders: [{ daysAgo: 4 * YEAR_DAYS, total: '12000.00', currency: 'THB', status: 'paid', items: 'Connexion CRM, 20 seats', invoice: { invoiceNumber: 'OC-2021-0007', billingName: 'Prasert Trading', billingAddress: 'Bangkok 10500', taxId: '0105540000123', amount: '12000.00' } }],
    });
    await restrict(gw.stores, c.id);
    await erase(gw.stores, c.id);

    const qs = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    const support = await ask(gw, 'support-service', 'service_support', qs, { id: c.id });
    expectResponse(support, 200, {
      data: { customer: { firstName: null, emails: null } },
      // The name is also past service support's 2 years; erasure (rule 2) is decided before retention (rule 7).
      errors: [
        denied(qs, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qs, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      ],
    });

    // Billing (not a legal obligation) sees nothing of an erased customer: the name is erased, and so is the
    // whole invoice list (erasure is decided for the customer before any record's retention), not even how many.
    const qb = `query($id: ID!) { customer(id: $id) { firstName invoices { invoiceNumber } } }`;
    const billing = await ask(gw, 'billing-service', 'billing', qb, { id: c.id });
    expectResponse(billing, 200, {
      data: { customer: { firstName: null, invoices: null } },
      errors: [
        denied(qb, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qb, ['customer', 'invoices'], 'SUBJECT_ERASED', 'financial.invoice', 'erasure'),
      ],
    });
    expect(await accessLog(gw, billing)).toEqual([
      { effect: 'DENY', reason: 'SUBJECT_ERASED', category: 'financial.invoice', field_path: 'customer', fields: ['invoices'] },
      { effect: 'DENY', reason: 'SUBJECT_ERASED', category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);

    const ql = `query($id: ID!) { customer(id: $id) { firstName emails { address } invoices { invoiceNumber billingName taxId amount } } }`;
    const legal = await ask(gw, 'billing-service', 'legal_compliance', ql, { id: c.id });
    expectResponse(legal, 200, {
      data: {
        customer: {
          firstName: null, emails: null,
          invoices: [{ invoiceNumber: 'OC-2021-0007', billingName: 'Prasert Trading', taxId: '0105540000123', amount: '12000.00' }],
        },
      },
      // legal_compliance covers the name and the e-mail (5.6) but keeps only the tax records after an erasure (kept_after_erasure).
      errors: [
        denied(ql, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      ],
    });
    expect(await accessLog(gw, legal)).toEqual([
      { effect: 'DENY', reason: 'SUBJECT_ERASED', category: 'contact.email', field_path: 'customer', fields: ['emails'] },
      { effect: 'ALLOW', reason: null, category: 'financial.invoice', field_path: 'customer', fields: ['invoices.0.amount', 'invoices.0.billingName', 'invoices.0.invoiceNumber'] },
      { effect: 'ALLOW', reason: null, category: 'financial.tax_id', field_path: 'customer', fields: ['invoices.0.taxId'] },
      { effect: 'DENY', reason: 'SUBJECT_ERASED', category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);
  });
});

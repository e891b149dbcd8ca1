import { startTestGateway, TestGateway } from '../../support/gateway';
import {
  accessLog, ask, bornYearsAgo, consent, denied, erase, EVENT_FIELDS, eventView, expectResponse, insertPerson, iso, object, rootError, storedEvents,
  YEAR_DAYS,
} from '../../fixtures/pack-scenarios';

/**
 * Soft SQ (policies/softsq.yaml, seed 004, a notice modelled on a US SaaS vendor's): scenarios
 * from the notice's own text (sections 3-10), through HTTP, whole responses asserted.
 */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ policy: 'softsq.yaml' });
});
afterAll(() => gw.close());

const DPO = ['dpo'];

describe('3.1 / 5 visitor health declarations (sensitive: PDPA s.26)', () => {
  test('a non-explicit consent shows the visitor but not the declaration; an explicit one recorded by security-service does; a 45-day-old declaration is gone', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sq_visitor', firstName: 'Thanawat', lastName: 'Visitor', dateOfBirth: bornYearsAgo(47), collectedDaysAgo: 5,
      phones: [{ number: '+66899990009' }],
      healthDeclarations: [
        { daysAgo: 5, temperatureC: 36.9, symptoms: ['cough'], exposure: false, vaccinationStatus: 'three doses', testResult: 'negative', recentTravel: 'Chiang Mai' },
        { daysAgo: 45, temperatureC: 37.8, symptoms: ['fever', 'sore throat'], exposure: true, vaccinationStatus: 'three doses', testResult: 'positive', recentTravel: null },
      ],
    });
    await consent(gw.stores, c.id, 'visitor_health_safety', { explicit: false });
    const [recent, old] = c.healthDeclarations;
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    phones { number }
    healthDeclarations { id visitedAt temperatureC symptoms exposure vaccinationStatus testResult recentTravel }
  }
}`;
    const tick = await ask(gw, 'security-service', 'visitor_health_safety', q, { id: c.id });
    const fields = ['visitedAt', 'temperatureC', 'symptoms', 'exposure', 'vaccinationStatus', 'testResult', 'recentTravel'] as const;
    const rule = 'categories.health.declaration.sensitive';
    expectResponse(tick, 200, {
      data: {
        customer: {
          // Its one category needs an explicit consent: the list is denied, not even how many declarations there are.
          firstName: 'Thanawat', phones: [{ number: '+66899990009' }], healthDeclarations: null,
        },
      },
      errors: [denied(q, ['customer', 'healthDeclarations'], 'EXPLICIT_CONSENT_REQUIRED', 'health.declaration', rule)],
    });
    expect(await accessLog(gw, tick)).toEqual([
      { effect: 'ALLOW', reason: null, category: 'contact.phone', field_path: 'customer', fields: ['phones.0.number'] },
      { effect: 'DENY', reason: 'EXPLICIT_CONSENT_REQUIRED', category: 'health.declaration', field_path: 'customer', fields: ['healthDeclarations'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);

    const m = `mutation($id: ID!) { grantConsent(input: { customerId: $id, purpose: "visitor_health_safety", explicit: true, source: "office_visit" }) { ${EVENT_FIELDS} } }`;
    const granted = await ask(gw, 'security-service', null, m, { id: c.id });
    const [, explicitEvent] = await storedEvents(gw, 'consent_events', c.id);
    expectResponse(granted, 200, {
      data: { grantConsent: eventView(explicitEvent, { kind: 'consent', customerId: c.id, action: 'grant', purpose: 'visitor_health_safety', givenBy: 'subject', explicit: true, source: 'office_visit', recordedBy: 'security-service' }) },
    });

    const signed = await ask(gw, 'security-service', 'visitor_health_safety', q, { id: c.id });
    expectResponse(signed, 200, {
      data: {
        customer: {
          firstName: 'Thanawat', phones: [{ number: '+66899990009' }],
          healthDeclarations: [{ id: recent.id, visitedAt: iso(recent.visitedAt), temperatureC: 36.9, symptoms: ['cough'], exposure: false, vaccinationStatus: 'three doses', testResult: 'negative', recentTravel: 'Chiang Mai' }],
        },
      },
    });
    // The 45-day-old declaration is past the purpose's retention: left out, logged by its id.
    expect(await accessLog(gw, signed)).toEqual([
      { effect: 'ALLOW', reason: null, category: 'contact.phone', field_path: 'customer', fields: ['phones.0.number'] },
      { effect: 'ALLOW', reason: null, category: 'health.declaration', field_path: 'customer', fields: ['id', ...fields].map((f) => `healthDeclarations.0.${f}`).sort() },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'health.declaration', field_path: 'customer', fields: [`healthDeclarations[id=${old.id}]`] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);
  });
});

describe('8 children: the notice\'s age is 16 (minors.age 16)', () => {
  test("a 17-year-old's own consent to marketing suffices, a 15-year-old's does not", async () => {
    const seventeen = await insertPerson(gw.stores, { id: 'sq_age17', firstName: 'Pat', lastName: 'Seventeen', dateOfBirth: bornYearsAgo(17), collectedDaysAgo: 12, emails: [{ address: 'pat17@example.test' }] });
    const fifteen = await insertPerson(gw.stores, { id: 'sq_age15', firstName: 'Gun', lastName: 'Fifteen', dateOfBirth: bornYearsAgo(15), collectedDaysAgo: 12, emails: [{ address: 'gun15@example.test' }] });
    await consent(gw.stores, seventeen.id, 'marketing_communications');
    await consent(gw.stores, fifteen.id, 'marketing_communications');
    const q = `query($ids: [ID!]!) { customers(ids: $ids) { id firstName emails { address } } }`;
    const r = await ask(gw, 'marketing-service', 'marketing_communications', q, { ids: [seventeen.id, fifteen.id] });
    expectResponse(r, 200, {
      data: {
        customers: [
          { id: seventeen.id, firstName: 'Pat', emails: [{ address: 'pat17@example.test' }] },
          { id: fifteen.id, firstName: null, emails: null },
        ],
      },
      errors: [
        denied(q, ['customers', 1, 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
        denied(q, ['customers', 1, 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age'),
      ],
    });
    expect(await accessLog(gw, r, 'customer_id, effect, reason, field_path, fields')).toEqual([
      { customer_id: seventeen.id, effect: 'ALLOW', reason: null, field_path: 'customers.0', fields: ['emails.0.address'] },
      { customer_id: seventeen.id, effect: 'ALLOW', reason: null, field_path: 'customers.0', fields: ['firstName'] },
      { customer_id: fifteen.id, effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', field_path: 'customers.1', fields: ['emails'] },
      { customer_id: fifteen.id, effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', field_path: 'customers.1', fields: ['firstName'] },
    ]);

    // The same customer at two places, and one list under two names: each place is decided,
    // refused and logged where it sits in the response.
    const twice = `query($ids: [ID!]!) { customers(ids: $ids) { firstName mail: emails { address } emails { address } } }`;
    const t = await ask(gw, 'marketing-service', 'marketing_communications', twice, { ids: [fifteen.id, seventeen.id, fifteen.id] });
    const refused = (path: (string | number)[], category: string) => denied(twice, path, 'GUARDIAN_CONSENT_REQUIRED', category, 'minors.age');
    expectResponse(t, 200, {
      data: {
        customers: [
          { firstName: null, mail: null, emails: null },
          { firstName: 'Pat', mail: [{ address: 'pat17@example.test' }], emails: [{ address: 'pat17@example.test' }] },
          { firstName: null, mail: null, emails: null },
        ],
      },
      errors: [
        refused(['customers', 0, 'firstName'], 'identity.name'),
        refused(['customers', 2, 'firstName'], 'identity.name'),
        refused(['customers', 0, 'mail'], 'contact.email'),
        refused(['customers', 0, 'emails'], 'contact.email'),
        refused(['customers', 2, 'mail'], 'contact.email'),
        refused(['customers', 2, 'emails'], 'contact.email'),
      ],
    });
    // A denial next to another field's error: both reported, the denial after it (README).
    const mixed = `query($ids: [ID!]!) { ok: customers(ids: $ids) { firstName } bad: customer(id: "not an id!") { firstName } }`;
    const m = await ask(gw, 'marketing-service', 'marketing_communications', mixed, { ids: [fifteen.id] });
    expectResponse(m, 400, {
      data: { ok: [{ firstName: null }], bad: null },
      errors: [
        rootError(mixed, 'bad', 'BAD_USER_INPUT', 'ids[0] is not a customer id'),
        denied(mixed, ['ok', 0, 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
      ],
    });
    expect((m.body as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT', 'FORBIDDEN_BY_POLICY']);

    expect(await accessLog(gw, t, 'customer_id, effect, reason, field_path, fields')).toEqual([
      { customer_id: fifteen.id, effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', field_path: 'customers.0', fields: ['emails', 'mail'] },
      { customer_id: fifteen.id, effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', field_path: 'customers.0', fields: ['firstName'] },
      { customer_id: seventeen.id, effect: 'ALLOW', reason: null, field_path: 'customers.1', fields: ['emails.0.address', 'mail.0.address'] },
      { customer_id: seventeen.id, effect: 'ALLOW', reason: null, field_path: 'customers.1', fields: ['firstName'] },
      { customer_id: fifteen.id, effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', field_path: 'customers.2', fields: ['emails', 'mail'] },
      { customer_id: fifteen.id, effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', field_path: 'customers.2', fields: ['firstName'] },
    ]);
  });
});

describe('10.1 objection to direct marketing is absolute; 10.5 do-not-call register', () => {
  test('an objection to marketing communications stops everything despite the consent; a do-not-call entry stops only the phone', async () => {
    const objector = await insertPerson(gw.stores, { id: 'sq_dm_obj', firstName: 'Aom', lastName: 'Objects', dateOfBirth: bornYearsAgo(33), collectedDaysAgo: 60, emails: [{ address: 'aom@example.test' }], phones: [{ number: '+66812340001' }] });
    const dnc = await insertPerson(gw.stores, { id: 'sq_dm_dnc', firstName: 'Ek', lastName: 'NoCalls', dateOfBirth: bornYearsAgo(41), collectedDaysAgo: 60, emails: [{ address: 'ek@example.test' }], phones: [{ number: '+66812340002' }] });
    await consent(gw.stores, objector.id, 'marketing_communications');
    await consent(gw.stores, dnc.id, 'marketing_communications');
    await object(gw.stores, objector.id, 'marketing_communications');
    // 10.5: the DPO records the do-not-call register entry as an objection limited to the phone.
    const m = `mutation($id: ID!) { recordObjection(customerId: $id, purpose: "marketing_communications", category: "contact.phone", reason: "do-not-call register") { ${EVENT_FIELDS} } }`;
    const rec = await ask(gw, 'dpo-console', null, m, { id: dnc.id }, DPO);
    const [dncEvent] = await storedEvents(gw, 'objection_events', dnc.id);
    expectResponse(rec, 200, {
      data: { recordObjection: eventView(dncEvent, { kind: 'objection', customerId: dnc.id, action: 'object', purpose: 'marketing_communications', category: 'contact.phone', reason: 'do-not-call register', recordedBy: 'dpo-console' }) },
    });

    const q = `query($ids: [ID!]!) { customers(ids: $ids) { firstName emails { address } phones { number } } }`;
    const r = await ask(gw, 'marketing-service', 'marketing_communications', q, { ids: [objector.id, dnc.id] });
    const dm = 'purposes.marketing_communications.direct_marketing';
    expectResponse(r, 200, {
      data: {
        customers: [
          { firstName: null, emails: null, phones: null },
          { firstName: 'Ek', emails: [{ address: 'ek@example.test' }], phones: null },
        ],
      },
      errors: [
        denied(q, ['customers', 0, 'firstName'], 'OBJECTED', 'identity.name', dm),
        denied(q, ['customers', 0, 'emails'], 'OBJECTED', 'contact.email', dm),
        denied(q, ['customers', 0, 'phones'], 'OBJECTED', 'contact.phone', dm),
        denied(q, ['customers', 1, 'phones'], 'OBJECTED', 'contact.phone', dm),
      ],
    });
  });
});

describe('10.1 erasure; 5 legal obligations; 10.2 access requests', () => {
  test('an erased person is SUBJECT_ERASED for support; invoices stay for the Revenue Code, bank details do not; the DPO sees what is kept', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sq_erased', firstName: 'Saowalak', lastName: 'Erased', dateOfBirth: bornYearsAgo(39), collectedDaysAgo: 300,
      emails: [{ address: 'saowalak@example.test' }],
      bankAccounts: [{ bankName: 'UOB', accountHolder: 'Saowalak Erased', accountNumber: '7778889990' }],
      communications: [{ channel: 'ticket', subject: 'Licence renewal', body: 'Please renew our 10 seats', daysAgo: 100 }],
      orders: [{ daysAgo: 3 * YEAR_DAYS, total: '48000.00', currency: 'THB', status: 'paid', items: 'Soft SQ Enterprise, 10 seats', invoice: { invoiceNumber: 'SQ-INV-0912', billingName: 'Saowalak Co., Ltd.', billingAddress: 'Bangkok 10330', taxId: '0105560099887', amount: '48000.00' } }],
    });
    await erase(gw.stores, c.id);

    const qs = `query($id: ID!) { customer(id: $id) { firstName emails { address } communications { subject body } } }`;
    const support = await ask(gw, 'support-service', 'contact_support', qs, { id: c.id });
    expectResponse(support, 200, {
      data: { customer: { firstName: null, emails: null, communications: null } },
      errors: [
        denied(qs, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qs, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
        denied(qs, ['customer', 'communications'], 'SUBJECT_ERASED', 'communication.support_ticket', 'erasure'),
      ],
    });

    // legal_obligations keeps the invoices and orders (kept_after_erasure), not the name or the bank account it covers.
    const ql = `query($id: ID!) { customer(id: $id) { firstName invoices { invoiceNumber taxId amount } bankAccounts { accountNumber } communications { subject } } }`;
    const legal = await ask(gw, 'billing-service', 'legal_obligations', ql, { id: c.id });
    expectResponse(legal, 200, {
      data: { customer: { firstName: null, invoices: [{ invoiceNumber: 'SQ-INV-0912', taxId: '0105560099887', amount: '48000.00' }], bankAccounts: null, communications: null } },
      errors: [
        denied(ql, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'bankAccounts'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure'),
        denied(ql, ['customer', 'communications'], 'CATEGORY_NOT_IN_PURPOSE', 'communication.support_ticket', 'purposes.legal_obligations.categories'),
      ],
    });

    // The DPO answers an access request about what is still kept, and sees nothing else.
    const dpo = await ask(gw, 'dpo-console', 'data_subject_request', ql, { id: c.id }, DPO);
    expectResponse(dpo, 200, {
      data: { customer: { firstName: null, invoices: [{ invoiceNumber: 'SQ-INV-0912', taxId: '0105560099887', amount: '48000.00' }], bankAccounts: null, communications: null } },
      errors: [
        denied(ql, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'bankAccounts'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure'),
        denied(ql, ['customer', 'communications'], 'SUBJECT_ERASED', 'communication.support_ticket', 'erasure'),
      ],
    });
  });
});

describe('5 support requests and call recording', () => {
  test('support sees the phone as its last four digits and the ticket, no call logs; an objection stops call recording (legitimate interest)', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sq_caller', firstName: 'Yupin', lastName: 'Caller', dateOfBirth: bornYearsAgo(44), collectedDaysAgo: 40,
      phones: [{ number: '+66823456789' }],
      communications: [{ channel: 'ticket', subject: 'Cannot log in', body: 'Password reset mail never arrives', daysAgo: 4 }],
      callLogs: [{ phoneNumber: '+66823456789', direction: 'inbound', durationSeconds: 312, daysAgo: 4 }],
    });
    const q = `query($id: ID!) { customer(id: $id) { firstName phones { number } communications { subject body } callLogs { direction durationSeconds } } }`;
    const support = await ask(gw, 'support-service', 'contact_support', q, { id: c.id });
    expectResponse(support, 200, {
      data: {
        customer: {
          firstName: 'Yupin', phones: [{ number: '********6789' }],
          communications: [{ subject: 'Cannot log in', body: 'Password reset mail never arrives' }],
          callLogs: null,
        },
      },
      errors: [denied(q, ['customer', 'callLogs'], 'CATEGORY_NOT_IN_PURPOSE', 'communication.call_log', 'purposes.contact_support.categories')],
    });

    const qc = `query($id: ID!) { customer(id: $id) { firstName phones { number } callLogs { phoneNumber direction durationSeconds startedAt } } }`;
    const [call] = c.callLogs;
    const recording = await ask(gw, 'support-service', 'call_recording', qc, { id: c.id });
    expectResponse(recording, 200, {
      data: { customer: { firstName: 'Yupin', phones: [{ number: '+66823456789' }], callLogs: [{ phoneNumber: '+66823456789', direction: 'inbound', durationSeconds: 312, startedAt: iso(call.startedAt) }] } },
    });

    await object(gw.stores, c.id, 'call_recording');
    const objected = await ask(gw, 'support-service', 'call_recording', qc, { id: c.id });
    const rule = 'purposes.call_recording.lawful_basis';
    expectResponse(objected, 200, {
      data: { customer: { firstName: null, phones: null, callLogs: null } },
      errors: [
        denied(qc, ['customer', 'firstName'], 'OBJECTED', 'identity.name', rule),
        denied(qc, ['customer', 'phones'], 'OBJECTED', 'contact.phone', rule),
        denied(qc, ['customer', 'callLogs'], 'OBJECTED', 'communication.call_log', rule),
      ],
    });
    // Support requests rest on the contract, so the objection to recordings leaves them alone.
    const stillSupport = await ask(gw, 'support-service', 'contact_support', `query($id: ID!) { customer(id: $id) { firstName } }`, { id: c.id });
    expectResponse(stillSupport, 200, { data: { customer: { firstName: 'Yupin' } } });
  });
});

describe('10.2 the DPO answers an access request', () => {
  test('including health data and call logs, without any consent', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sq_access', firstName: 'Kamol', lastName: 'Asks', dateOfBirth: bornYearsAgo(58), collectedDaysAgo: 20,
      healthDeclarations: [{ daysAgo: 20, temperatureC: 36.4, symptoms: [], exposure: false, vaccinationStatus: 'two doses' }],
      callLogs: [{ phoneNumber: '+66830000001', direction: 'outbound', durationSeconds: 95, daysAgo: 20 }],
    });
    const q = `query($id: ID!) { customer(id: $id) { firstName healthDeclarations { temperatureC symptoms vaccinationStatus } callLogs { direction durationSeconds } } }`;
    const r = await ask(gw, 'dpo-console', 'data_subject_request', q, { id: c.id }, DPO);
    expectResponse(r, 200, {
      data: { customer: { firstName: 'Kamol', healthDeclarations: [{ temperatureC: 36.4, symptoms: [], vaccinationStatus: 'two doses' }], callLogs: [{ direction: 'outbound', durationSeconds: 95 }] } },
    });
  });
});

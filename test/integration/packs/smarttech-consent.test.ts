import { env, useSmartTechGateway, DPO } from '../../support/smarttech-gateway';
import {
  accessLog, ask, bornYearsAgo, consent, denied, EVENT_FIELDS, eventView, expectResponse, insertPerson, storedEvents,
} from '../../fixtures/pack-scenarios';

/**
 * SmartTech Enterprise (policies/smarttech.yaml, seed 001), consent to marketing: a minor's own
 * consent against a guardian's (ผู้เยาว์), and withdrawal at any time (สิทธิขอถอนความยินยอม).
 * Scenarios from the policy's own text, through HTTP, whole responses asserted. Cites are the
 * pack's (Thai headings).
 */
useSmartTechGateway();

describe('ผู้เยาว์ (minors.age 20)', () => {
  test("a 19-year-old's own consent to marketing is not enough; a guardian's consent recorded by the DPO is", async () => {
    const c = await insertPerson(env.gw.stores, {
      id: 'st_minor19', firstName: 'Ploy', lastName: 'Minor', dateOfBirth: bornYearsAgo(19), nationalId: '1101700209999', collectedDaysAgo: 20,
      emails: [{ address: 'ploy.minor@example.test' }],
    });
    await consent(env.gw.stores, c.id, 'marketing', { givenBy: 'subject' });
    const q = `query Minor($id: ID!) {
  customer(id: $id) {
    firstName
    emails { address }
    nationalId
  }
}`;
    const before = await ask(env.gw, 'marketing-service', 'marketing', q, { id: c.id });
    expectResponse(before, 200, {
      data: { customer: { firstName: null, emails: null, nationalId: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.age'),
        denied(q, ['customer', 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.age'),
        denied(q, ['customer', 'nationalId'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.national_id', 'purposes.marketing.categories'),
      ],
    });
    expect(await accessLog(env.gw, before)).toEqual([
      { effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', category: 'contact.email', field_path: 'customer', fields: ['emails'] },
      { effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'identity.national_id', field_path: 'customer', fields: ['nationalId'] },
    ]);

    // The DPO records the parent's consent (ผู้เยาว์: "ความยินยอมจากผู้ปกครอง").
    const m = `mutation Guardian($id: ID!) { grantConsent(input: { customerId: $id, purpose: "marketing", givenBy: guardian, source: "phone" }) { ${EVENT_FIELDS} } }`;
    const granted = await ask(env.gw, 'dpo-console', null, m, { id: c.id }, DPO);
    const [, guardianEvent] = await storedEvents(env.gw, 'consent_events', c.id);
    expectResponse(granted, 200, {
      data: { grantConsent: eventView(guardianEvent, { kind: 'consent', customerId: c.id, action: 'grant', purpose: 'marketing', givenBy: 'guardian', explicit: false, source: 'phone', recordedBy: 'dpo-console' }) },
    });

    const after = await ask(env.gw, 'marketing-service', 'marketing', q, { id: c.id });
    expectResponse(after, 200, {
      data: { customer: { firstName: 'Ploy', emails: [{ address: 'ploy.minor@example.test' }], nationalId: null } },
      errors: [denied(q, ['customer', 'nationalId'], 'CATEGORY_NOT_IN_PURPOSE', 'identity.national_id', 'purposes.marketing.categories')],
    });
  });
});

describe('สิทธิขอถอนความยินยอม (withdraw consent at any time)', () => {
  test('the newsletter unsubscribe, recorded by marketing-service, takes effect on the very next request; the history keeps both events', async () => {
    const c = await insertPerson(env.gw.stores, {
      id: 'st_unsub', firstName: 'Malee', lastName: 'Unsub', dateOfBirth: bornYearsAgo(41), collectedDaysAgo: 90,
      emails: [{ address: 'malee.unsub@example.test' }], phones: [{ number: '+66822220001' }],
    });
    const grant = `mutation { grantConsent(input: { customerId: "${c.id}", purpose: "marketing", source: "signup_form" }) { ${EVENT_FIELDS} } }`;
    const g = await ask(env.gw, 'marketing-service', null, grant);
    const [grantEvent] = await storedEvents(env.gw, 'consent_events', c.id);
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
    const before = await ask(env.gw, 'marketing-service', 'marketing', q, { id: c.id });
    expectResponse(before, 200, { data: { customer: { firstName: 'Malee', emails: [{ address: 'malee.unsub@example.test' }], phones: [{ number: '+66822220001' }] } } });

    const w = `mutation { withdrawConsent(customerId: "${c.id}", purpose: "marketing", source: "email") { ${EVENT_FIELDS} } }`;
    const withdrawn = await ask(env.gw, 'marketing-service', null, w);
    const [, withdrawEvent] = await storedEvents(env.gw, 'consent_events', c.id);
    expectResponse(withdrawn, 200, {
      data: { withdrawConsent: eventView(withdrawEvent, { kind: 'consent', customerId: c.id, action: 'withdraw', purpose: 'marketing', explicit: false, source: 'email', recordedBy: 'marketing-service' }) },
    });

    const after = await ask(env.gw, 'marketing-service', 'marketing', q, { id: c.id });
    const rule = 'purposes.marketing.lawful_basis';
    expectResponse(after, 200, {
      data: { customer: { firstName: null, emails: null, phones: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'CONSENT_WITHDRAWN', 'identity.name', rule),
        denied(q, ['customer', 'emails'], 'CONSENT_WITHDRAWN', 'contact.email', rule),
        denied(q, ['customer', 'phones'], 'CONSENT_WITHDRAWN', 'contact.phone', rule),
      ],
    });
    expect(await accessLog(env.gw, after)).toEqual([
      { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', category: 'contact.email', field_path: 'customer', fields: ['emails'] },
      { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', category: 'contact.phone', field_path: 'customer', fields: ['phones'] },
      { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);

    const h = `query { consentHistory(customerId: "${c.id}") { ${EVENT_FIELDS} } }`;
    const history = await ask(env.gw, 'dpo-console', null, h, undefined, DPO);
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

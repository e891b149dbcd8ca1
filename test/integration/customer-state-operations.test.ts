import { env, useSmartTechGateway, DPO, AUDITOR } from '../support/smarttech-gateway';
import {
  ask, bornYearsAgo, denied, EVENT_FIELDS, eventView, expectResponse, insertPerson, storedEvents,
} from '../fixtures/pack-scenarios';

/**
 * The customer-state operations (grant/withdraw consent, record/remove objection, restrict/lift,
 * history) through HTTP on the default pack (SmartTech): each one's whole response, its effect on
 * the next read, and the history they build; then a whole-customer restriction with the purpose
 * argument left out. Error cases and who may call what: customer-state-errors.test.ts; explain:
 * customer-state-explain.test.ts.
 */
useSmartTechGateway();
beforeAll(async () => {
  await insertPerson(env.gw.stores, { id: 'cs_main', firstName: 'Lamai', lastName: 'State', dateOfBirth: bornYearsAgo(34), collectedDaysAgo: 30, emails: [{ address: 'lamai.state@example.test' }], phones: [{ number: '+66810000001' }] });
});

describe('each operation, whole responses, and the history they build', () => {
  const id = 'cs_main';
  const views: Record<string, unknown>[] = [];

  test('grantConsent (DPO): a guardian\'s explicit consent with an end date', async () => {
    const expiresAt = new Date(Date.now() + 180 * 86_400_000);
    const m = `mutation($input: GrantConsentInput!) { grantConsent(input: $input) { ${EVENT_FIELDS} } }`;
    const r = await ask(env.gw, 'dpo-console', null, m, { input: { customerId: id, purpose: 'marketing', givenBy: 'guardian', explicit: true, expiresAt: expiresAt.toISOString(), source: 'phone' } }, DPO);
    const [stored] = await storedEvents(env.gw, 'consent_events', id);
    const view = eventView(stored, { kind: 'consent', customerId: id, action: 'grant', purpose: 'marketing', givenBy: 'guardian', explicit: true, expiresAt: expiresAt.toISOString(), source: 'phone', recordedBy: 'dpo-console' });
    expectResponse(r, 200, { data: { grantConsent: view } });
    views.push(view);
  });

  test('withdrawConsent (DPO), default source "support"', async () => {
    const m = `mutation { withdrawConsent(customerId: "${id}", purpose: "marketing") { ${EVENT_FIELDS} } }`;
    const r = await ask(env.gw, 'dpo-console', null, m, undefined, DPO);
    const [, stored] = await storedEvents(env.gw, 'consent_events', id);
    const view = eventView(stored, { kind: 'consent', customerId: id, action: 'withdraw', purpose: 'marketing', explicit: false, source: 'support', recordedBy: 'dpo-console' });
    expectResponse(r, 200, { data: { withdrawConsent: view } });
    views.push(view);
  });

  test('recordObjection for one category, then removeObjection (DPO)', async () => {
    const m = `mutation { recordObjection(customerId: "${id}", purpose: "feedback", category: "contact.phone", reason: "no feedback calls") { ${EVENT_FIELDS} } }`;
    const r = await ask(env.gw, 'support-service', null, m);
    const [stored] = await storedEvents(env.gw, 'objection_events', id);
    const view = eventView(stored, { kind: 'objection', customerId: id, action: 'object', purpose: 'feedback', category: 'contact.phone', reason: 'no feedback calls', recordedBy: 'support-service' });
    expectResponse(r, 200, { data: { recordObjection: view } });
    views.push(view);

    const q = `query($id: ID!) { customer(id: $id) { firstName phones { number } } }`;
    const read = await ask(env.gw, 'support-service', 'feedback', q, { id });
    expectResponse(read, 200, {
      data: { customer: { firstName: 'Lamai', phones: null } },
      errors: [denied(q, ['customer', 'phones'], 'OBJECTED', 'contact.phone', 'purposes.feedback.lawful_basis')],
    });

    const rm = `mutation { removeObjection(customerId: "${id}", purpose: "feedback", category: "contact.phone") { ${EVENT_FIELDS} } }`;
    const removed = await ask(env.gw, 'dpo-console', null, rm, undefined, DPO);
    const [, storedRemove] = await storedEvents(env.gw, 'objection_events', id);
    const removeView = eventView(storedRemove, { kind: 'objection', customerId: id, action: 'remove', purpose: 'feedback', category: 'contact.phone', recordedBy: 'dpo-console' });
    expectResponse(removed, 200, { data: { removeObjection: removeView } });
    views.push(removeView);

    const again = await ask(env.gw, 'support-service', 'feedback', q, { id });
    expectResponse(again, 200, { data: { customer: { firstName: 'Lamai', phones: [{ number: '********0001' }] } } });
  });

  test('restrictProcessing of one category for one purpose, then liftRestriction (DPO)', async () => {
    const m = `mutation { restrictProcessing(customerId: "${id}", category: "contact.email", purpose: "order_delivery", reason: "disputed address") { ${EVENT_FIELDS} } }`;
    const r = await ask(env.gw, 'dpo-console', null, m, undefined, DPO);
    const [stored] = await storedEvents(env.gw, 'restriction_events', id);
    const view = eventView(stored, { kind: 'restriction', customerId: id, action: 'restrict', category: 'contact.email', purpose: 'order_delivery', reason: 'disputed address', recordedBy: 'dpo-console' });
    expectResponse(r, 200, { data: { restrictProcessing: view } });
    views.push(view);

    const q = `query($id: ID!) { customer(id: $id) { emails { address } } }`;
    const delivery = await ask(env.gw, 'crm-service', 'order_delivery', q, { id });
    expectResponse(delivery, 200, {
      data: { customer: { emails: null } },
      errors: [denied(q, ['customer', 'emails'], 'RESTRICTED', 'contact.email', 'restriction.contact.email.order_delivery')],
    });
    const account = await ask(env.gw, 'crm-service', 'account_management', q, { id });
    expectResponse(account, 200, { data: { customer: { emails: [{ address: 'lamai.state@example.test' }] } } });

    const lift = `mutation { liftRestriction(customerId: "${id}", category: "contact.email", purpose: "order_delivery") { ${EVENT_FIELDS} } }`;
    const lifted = await ask(env.gw, 'dpo-console', null, lift, undefined, DPO);
    const [, storedLift] = await storedEvents(env.gw, 'restriction_events', id);
    const liftView = eventView(storedLift, { kind: 'restriction', customerId: id, action: 'lift', category: 'contact.email', purpose: 'order_delivery', recordedBy: 'dpo-console' });
    expectResponse(lifted, 200, { data: { liftRestriction: liftView } });
    views.push(liftView);

    const after = await ask(env.gw, 'crm-service', 'order_delivery', q, { id });
    expectResponse(after, 200, { data: { customer: { emails: [{ address: 'lamai.state@example.test' }] } } });
  });

  test('consentHistory (auditor and DPO): every event, oldest first', async () => {
    const h = `query($id: ID!) { consentHistory(customerId: $id) { ${EVENT_FIELDS} } }`;
    for (const [caller, roles] of [['security-audit', AUDITOR], ['dpo-console', DPO]] as const) {
      const r = await ask(env.gw, caller, null, h, { id }, [...roles]);
      expectResponse(r, 200, { data: { consentHistory: views } });
    }
    expect(views.map((v) => `${v.kind}:${v.action}`)).toEqual(['consent:grant', 'consent:withdraw', 'objection:object', 'objection:remove', 'restriction:restrict', 'restriction:lift']);
  });
});

describe('whole-customer restriction with the purpose argument left out (documented: "the whole customer, one category, or one category for one purpose")', () => {
  // BUG (src/graphql/resolvers/customer-state.resolver.ts, restrictProcessing and liftRestriction):
  // `purposeKey === null ? null : purposeOf(ctx, purposeKey)` — an omitted optional argument reaches
  // the resolver as `undefined`, not null, so purposeOf(undefined) throws 400 UNKNOWN_PURPOSE (with no
  // `purpose` in extensions). Only an explicit `purpose: null` works today.
  test('restrictProcessing(customerId) alone restricts the whole customer', async () => {
    await insertPerson(env.gw.stores, { id: 'cs_whole', firstName: 'Wan', lastName: 'Whole', dateOfBirth: bornYearsAgo(30), collectedDaysAgo: 10 });
    const m = `mutation { restrictProcessing(customerId: "cs_whole") { action category purpose } }`;
    const r = await ask(env.gw, 'dpo-console', null, m, undefined, DPO);
    expectResponse(r, 200, { data: { restrictProcessing: { action: 'restrict', category: null, purpose: null } } });
    const q = `query { customer(id: "cs_whole") { firstName } }`;
    expectResponse(await ask(env.gw, 'crm-service', 'account_management', q), 200, {
      data: { customer: { firstName: null } },
      errors: [denied(q, ['customer', 'firstName'], 'RESTRICTED', 'identity.name', 'restriction.customer')],
    });
  });

  test('liftRestriction(customerId, category) alone lifts a restriction of that category for every purpose', async () => {
    await insertPerson(env.gw.stores, { id: 'cs_lift', firstName: 'Lek', lastName: 'Lift', dateOfBirth: bornYearsAgo(30), collectedDaysAgo: 10, emails: [{ address: 'lek.lift@example.test' }] });
    await env.gw.stores.gateway.query(`INSERT INTO restriction_events (customer_id, category, purpose, action, recorded_by) VALUES ('cs_lift', 'contact.email', NULL, 'restrict', 'test')`);
    const m = `mutation { liftRestriction(customerId: "cs_lift", category: "contact.email") { action category purpose } }`;
    const r = await ask(env.gw, 'dpo-console', null, m, undefined, DPO);
    expectResponse(r, 200, { data: { liftRestriction: { action: 'lift', category: 'contact.email', purpose: null } } });
  });

  test('meanwhile an explicit `purpose: null` restricts the whole customer', async () => {
    await insertPerson(env.gw.stores, { id: 'cs_today', firstName: 'Dang', lastName: 'Today', dateOfBirth: bornYearsAgo(30), collectedDaysAgo: 10 });
    const ok = `mutation { restrictProcessing(customerId: "cs_today", purpose: null) { action category purpose } }`;
    expectResponse(await ask(env.gw, 'dpo-console', null, ok, undefined, DPO), 200, { data: { restrictProcessing: { action: 'restrict', category: null, purpose: null } } });
    const q = `query { customer(id: "cs_today") { firstName } }`;
    expectResponse(await ask(env.gw, 'crm-service', 'account_management', q), 200, {
      data: { customer: { firstName: null } },
      errors: [denied(q, ['customer', 'firstName'], 'RESTRICTED', 'identity.name', 'restriction.customer')],
    });
  });
});

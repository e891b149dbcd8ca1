import { env, useSmartTechGateway, DPO, AUDITOR, FORBIDDEN_ROLE } from '../support/smarttech-gateway';
import { ask, bornYearsAgo, expectResponse, insertPerson, rootError } from '../fixtures/pack-scenarios';

/**
 * The customer-state operations (grant/withdraw consent, record/remove objection, restrict/lift,
 * history) refused, through HTTP on the default pack (SmartTech): whole coded responses, nothing
 * written, and who may call what (graphql-shield role rules, then the per-purpose check).
 */
useSmartTechGateway();
beforeAll(async () => {
  await insertPerson(env.gw.stores, { id: 'cs_errors', firstName: 'Rak', lastName: 'Errors', dateOfBirth: bornYearsAgo(34), collectedDaysAgo: 30 });
});

/** Row counts of every history table: an operation that fails must not have written anything. */
async function historyCounts(customerId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['consent_events', 'objection_events', 'restriction_events', 'rectification_events', 'erasures']) {
    const [{ n }] = await env.gw.stores.gateway.query(`SELECT count(*)::int AS n FROM ${t} WHERE customer_id = $1`, [customerId]);
    out[t] = n;
  }
  return out;
}

describe('error cases: nothing is written', () => {
  const id = 'cs_errors';
  let before: Record<string, number>;
  beforeAll(async () => {
    before = await historyCounts(id);
  });
  afterAll(async () => {
    expect(await historyCounts(id)).toEqual(before);
  });

  test('unknown purpose: 400 UNKNOWN_PURPOSE', async () => {
    const m = `mutation { grantConsent(input: { customerId: "${id}", purpose: "world_domination", source: "email" }) { id } }`;
    const r = await ask(env.gw, 'dpo-console', null, m, undefined, DPO);
    expectResponse(r, 400, { data: null, errors: [rootError(m, 'grantConsent', 'UNKNOWN_PURPOSE', 'No purpose of the policy pack in force has this key', { purpose: 'world_domination' })] });
    const w = `mutation { withdrawConsent(customerId: "${id}", purpose: "world_domination") { id } }`;
    const rw = await ask(env.gw, 'marketing-service', null, w);
    expectResponse(rw, 400, { data: null, errors: [rootError(w, 'withdrawConsent', 'UNKNOWN_PURPOSE', 'No purpose of the policy pack in force has this key', { purpose: 'world_domination' })] });
  });

  test('unknown customer: 404 NOT_FOUND', async () => {
    const m = `mutation { recordObjection(customerId: "cs_nobody", purpose: "marketing") { id } }`;
    const r = await ask(env.gw, 'marketing-service', null, m);
    expectResponse(r, 404, { data: null, errors: [rootError(m, 'recordObjection', 'NOT_FOUND', 'No customer with this id', { customerId: 'cs_nobody' })] });
    const g = `mutation { grantConsent(input: { customerId: "cs_nobody", purpose: "marketing", source: "email" }) { id } }`;
    const rg = await ask(env.gw, 'dpo-console', null, g, undefined, DPO);
    expectResponse(rg, 404, { data: null, errors: [rootError(g, 'grantConsent', 'NOT_FOUND', 'No customer with this id', { customerId: 'cs_nobody' })] });
  });

  test('bad input: 400 BAD_USER_INPUT (category outside the taxonomy, malformed id, unknown source, past end date)', async () => {
    const o = `mutation { recordObjection(customerId: "${id}", purpose: "marketing", category: "contact.carrier_pigeon") { id } }`;
    expectResponse(await ask(env.gw, 'marketing-service', null, o), 400, { data: null, errors: [rootError(o, 'recordObjection', 'BAD_USER_INPUT', 'category is not in the taxonomy', { category: 'contact.carrier_pigeon' })] });
    const rs = `mutation { restrictProcessing(customerId: "${id}", category: "contact.carrier_pigeon", purpose: "marketing") { id } }`;
    expectResponse(await ask(env.gw, 'dpo-console', null, rs, undefined, DPO), 400, { data: null, errors: [rootError(rs, 'restrictProcessing', 'BAD_USER_INPUT', 'category is not in the taxonomy', { category: 'contact.carrier_pigeon' })] });
    const bad = `mutation { withdrawConsent(customerId: "not a customer!", purpose: "marketing") { id } }`;
    expectResponse(await ask(env.gw, 'marketing-service', null, bad), 400, { data: null, errors: [rootError(bad, 'withdrawConsent', 'BAD_USER_INPUT', 'customerId is not a customer id')] });
    const src = `mutation { grantConsent(input: { customerId: "${id}", purpose: "marketing", source: "carrier_pigeon" }) { id } }`;
    expectResponse(await ask(env.gw, 'marketing-service', null, src), 400, {
      data: null,
      errors: [rootError(src, 'grantConsent', 'BAD_USER_INPUT', 'source must be one of signup_form, phone, email, facebook_login, google_login, partner, referral, automatic, office_visit, checkout, support, purchased_list, public_source')],
    });
    const past = `mutation { grantConsent(input: { customerId: "${id}", purpose: "marketing", source: "email", expiresAt: "2020-01-01T00:00:00.000Z" }) { id } }`;
    expectResponse(await ask(env.gw, 'marketing-service', null, past), 400, { data: null, errors: [rootError(past, 'grantConsent', 'BAD_USER_INPUT', 'expiresAt must be in the future')] });
  });

  test('a service records consent or objection only for a purpose it is registered for, and consent only for a consent-based one: 403 FORBIDDEN', async () => {
    const m = `mutation { grantConsent(input: { customerId: "${id}", purpose: "marketing", source: "email" }) { id } }`;
    expectResponse(await ask(env.gw, 'crm-service', null, m), 403, {
      data: null, errors: [rootError(m, 'grantConsent', 'FORBIDDEN', 'Only a DPO or a caller registered for the purpose may record this consent')],
    });
    const w = `mutation { withdrawConsent(customerId: "${id}", purpose: "marketing") { id } }`;
    expectResponse(await ask(env.gw, 'billing-service', null, w), 403, {
      data: null, errors: [rootError(w, 'withdrawConsent', 'FORBIDDEN', 'Only a DPO or a caller registered for the purpose may record this consent')],
    });
    const c = `mutation { grantConsent(input: { customerId: "${id}", purpose: "payment", source: "checkout" }) { id } }`;
    expectResponse(await ask(env.gw, 'billing-service', null, c), 403, {
      data: null, errors: [rootError(c, 'grantConsent', 'FORBIDDEN', 'Only a DPO may record consent for a purpose not based on consent')],
    });
    const o = `mutation { recordObjection(customerId: "${id}", purpose: "product_improvement") { id } }`;
    expectResponse(await ask(env.gw, 'marketing-service', null, o), 403, {
      data: null, errors: [rootError(o, 'recordObjection', 'FORBIDDEN', 'Only a DPO or a caller registered for the purpose may record this objection')],
    });
  });

  test('DPO-only operations from a service, or a service token claiming the dpo role: 403 FORBIDDEN from the role rules', async () => {
    const ops = [
      ['restrictProcessing', `mutation { restrictProcessing(customerId: "${id}", category: "contact.email", purpose: "marketing") { id } }`],
      ['liftRestriction', `mutation { liftRestriction(customerId: "${id}", category: "contact.email", purpose: "marketing") { id } }`],
      ['removeObjection', `mutation { removeObjection(customerId: "${id}", purpose: "marketing") { id } }`],
    ] as const;
    for (const [field, m] of ops) {
      expectResponse(await ask(env.gw, 'crm-service', null, m), 403, { data: null, errors: [rootError(m, field, 'FORBIDDEN', FORBIDDEN_ROLE)] });
      // The pack grants marketing-service only the service role; a token claiming dpo is narrowed to nothing.
      expectResponse(await ask(env.gw, 'marketing-service', null, m, undefined, ['dpo']), 403, { data: null, errors: [rootError(m, field, 'FORBIDDEN', FORBIDDEN_ROLE)] });
    }
    // The auditor reads history and explanations but changes nothing.
    const g = `mutation { grantConsent(input: { customerId: "${id}", purpose: "marketing", source: "email" }) { id } }`;
    expectResponse(await ask(env.gw, 'security-audit', null, g, undefined, AUDITOR), 403, { data: null, errors: [rootError(g, 'grantConsent', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    const h = `query { consentHistory(customerId: "${id}") { id } }`;
    expectResponse(await ask(env.gw, 'crm-service', null, h), 403, { data: null, errors: [rootError(h, 'consentHistory', 'FORBIDDEN', FORBIDDEN_ROLE)] });
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { env, useSmartTechGateway, DPO, AUDITOR, FORBIDDEN_ROLE } from '../support/smarttech-gateway';
import {
  accessLog, ask, bornYearsAgo, expectResponse, insertPerson, rectificationPending, rootError,
} from '../fixtures/pack-scenarios';
import { expectedPolicyHash } from '../support/policy-hash';

/**
 * explain (the decision for each category of a customer under a purpose, no data) through HTTP on
 * the default pack (SmartTech): whole responses for the DPO and the auditor, what it logs, and
 * who may call it (graphql-shield role rules) with its error cases.
 */
useSmartTechGateway();
const PACK_FILE = path.resolve(__dirname, '../../policies/smarttech.yaml');

describe('explain', () => {
  const id = 'cs_explain';
  const hash = expectedPolicyHash(PACK_FILE); // the rules' hash, not the file's
  const EXPLAIN = `query($id: ID!, $p: String!, $cats: [String!]) {
  explain(customerId: $id, purpose: $p, categories: $cats) {
    customerId purpose policyHash decidedAt
    decisions { category effect reason rule }
  }
}`;
  beforeAll(async () => {
    await insertPerson(env.gw.stores, { id, firstName: 'Chai', lastName: 'Explained', dateOfBirth: bornYearsAgo(45), collectedDaysAgo: 10 });
    await env.gw.stores.gateway.query(`INSERT INTO consent_events (customer_id, purpose, action, given_by, explicit, source, recorded_by) VALUES ($1, 'marketing', 'grant', 'subject', false, 'email', 'test')`, [id]);
    await env.gw.stores.gateway.query(`INSERT INTO consent_events (customer_id, purpose, action, source, recorded_by) VALUES ($1, 'marketing', 'withdraw', 'email', 'test')`, [id]);
    await env.gw.stores.gateway.query(`INSERT INTO restriction_events (customer_id, category, purpose, action, recorded_by) VALUES ($1, 'contact.address', 'order_delivery', 'restrict', 'test')`, [id]);
    await rectificationPending(env.gw.stores, id, 'contact.phone');
  });

  /** Runs explain and checks decidedAt is the request's own time, then returns the body without it. */
  async function explain(caller: string, roles: string[], purpose: string, categories: string[] | null) {
    const t0 = Date.now();
    const r = await ask(env.gw, caller, null, EXPLAIN, { id, p: purpose, cats: categories }, roles);
    const t1 = Date.now();
    const decidedAt = Date.parse(r.body?.data?.explain?.decidedAt);
    expect(decidedAt).toBeGreaterThanOrEqual(t0 - 5);
    expect(decidedAt).toBeLessThanOrEqual(t1 + 5);
    return r;
  }

  test('the DPO: each rule of the decision order for order delivery, no data', async () => {
    const cats = ['identity.name', 'contact.address', 'contact.phone', 'financial.order', 'financial.tax_id', 'health.declaration'];
    const r = await explain('dpo-console', DPO, 'order_delivery', cats);
    expectResponse(r, 200, {
      data: {
        explain: {
          customerId: id, purpose: 'order_delivery', policyHash: hash, decidedAt: expect.any(String),
          decisions: [
            { category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'purposes.order_delivery.lawful_basis' },
            { category: 'contact.address', effect: 'DENY', reason: 'RESTRICTED', rule: 'restriction.contact.address.order_delivery' },
            { category: 'contact.phone', effect: 'DENY', reason: 'RECTIFICATION_PENDING', rule: 'rectification.contact.phone' },
            { category: 'financial.order', effect: 'ALLOW', reason: null, rule: 'purposes.order_delivery.lawful_basis' },
            { category: 'financial.tax_id', effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.order_delivery.categories' },
            { category: 'health.declaration', effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.order_delivery.categories' },
          ],
        },
      },
    });
    expect(await accessLog(env.gw, r, 'effect, reason, category, field_path, fields, caller, purpose, customer_id')).toEqual(
      [
        { effect: 'DENY', reason: 'RESTRICTED', category: 'contact.address' },
        { effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'contact.phone' },
        { effect: 'ALLOW', reason: null, category: 'financial.order' },
        { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'financial.tax_id' },
        { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'health.declaration' },
        { effect: 'ALLOW', reason: null, category: 'identity.name' },
      ].map((e) => ({ ...e, field_path: 'explain', fields: [], caller: 'dpo-console', purpose: null, customer_id: id })),
    );
  });

  test('the auditor: every category of the pack by default (marketing consent withdrawn), and a masked category', async () => {
    const pack = parseYaml(fs.readFileSync(PACK_FILE, 'utf8')) as { categories: { key: string }[]; purposes: { key: string; categories: string[] }[] };
    const marketing = pack.purposes.find((p) => p.key === 'marketing')!.categories;
    const r = await explain('security-audit', AUDITOR, 'marketing', null);
    expectResponse(r, 200, {
      data: {
        explain: {
          customerId: id, purpose: 'marketing', policyHash: hash, decidedAt: expect.any(String),
          // Outside the purpose: rule 1. The phone under correction: rule 4, before consent (rule 6).
          decisions: pack.categories.map(({ key }) => {
            if (!marketing.includes(key)) return { category: key, effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purposes.marketing.categories' };
            if (key === 'contact.phone') return { category: key, effect: 'DENY', reason: 'RECTIFICATION_PENDING', rule: 'rectification.contact.phone' };
            return { category: key, effect: 'DENY', reason: 'CONSENT_WITHDRAWN', rule: 'purposes.marketing.lawful_basis' };
          }),
        },
      },
    });
    expect(pack.categories).toHaveLength(25); // 21, and since issue 14 social media and the three kinds of conversation records

    const masked = await explain('security-audit', AUDITOR, 'internal_administration', ['contact.email', 'account.username']);
    expectResponse(masked, 200, {
      data: {
        explain: {
          customerId: id, purpose: 'internal_administration', policyHash: hash, decidedAt: expect.any(String),
          decisions: [
            { category: 'contact.email', effect: 'MASK', reason: null, rule: 'purposes.internal_administration.masking.contact.email' },
            { category: 'account.username', effect: 'ALLOW', reason: null, rule: 'purposes.internal_administration.lawful_basis' },
          ],
        },
      },
    });
  });

  test('a service may not explain: 403 FORBIDDEN; unknown purpose, unknown customer and bad category are refused', async () => {
    const q = `query { explain(customerId: "${id}", purpose: "marketing") { purpose } }`;
    expectResponse(await ask(env.gw, 'marketing-service', null, q), 403, { data: null, errors: [rootError(q, 'explain', 'FORBIDDEN', FORBIDDEN_ROLE)] });
    const u = `query { explain(customerId: "${id}", purpose: "world_domination") { purpose } }`;
    expectResponse(await ask(env.gw, 'security-audit', null, u, undefined, AUDITOR), 400, { data: null, errors: [rootError(u, 'explain', 'UNKNOWN_PURPOSE', 'No purpose of the policy pack in force has this key', { purpose: 'world_domination' })] });
    const n = `query { explain(customerId: "cs_nobody", purpose: "marketing") { purpose } }`;
    expectResponse(await ask(env.gw, 'dpo-console', null, n, undefined, DPO), 404, { data: null, errors: [rootError(n, 'explain', 'NOT_FOUND', 'No customer with this id', { customerId: 'cs_nobody' })] });
    const b = `query { explain(customerId: "${id}", purpose: "marketing", categories: ["contact"]) { purpose } }`;
    const parentOk = await ask(env.gw, 'dpo-console', null, b, undefined, DPO);
    expectResponse(parentOk, 200, { data: { explain: { purpose: 'marketing' } } });
    const bad = `query { explain(customerId: "${id}", purpose: "marketing", categories: ["contact.carrier_pigeon"]) { purpose } }`;
    expectResponse(await ask(env.gw, 'dpo-console', null, bad, undefined, DPO), 400, { data: null, errors: [rootError(bad, 'explain', 'BAD_USER_INPUT', 'category is not in the taxonomy', { category: 'contact.carrier_pigeon' })] });
  });
});

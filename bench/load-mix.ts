import { PolicyPack } from '../src/policy/pack.types';
import { customerId } from '../src/stores/demo/generator';

/**
 * The traffic of `npm run load`: who calls what, with which purpose, in which proportion. Written
 * for the SmartTech pack (its callers and purposes); `checkMix` refuses another pack up front.
 *
 *   60%  customer(id)         services and the DPO console, each with one of its purposes
 *   15%  customers(ids: 20)   bulk reads by services (one purpose masks email addresses)
 *   10%  grant/withdraw       marketing consent, by marketing-service and by the DPO console
 *   10%  explain              DPO console and security-audit
 *    5%  accessLog            security-audit, filtered by customer or by caller
 */
export const OP_KINDS = ['customer', 'customers(20)', 'grantConsent', 'withdrawConsent', 'explain', 'accessLog'] as const;
export type OpKind = (typeof OP_KINDS)[number];

export interface Actor {
  caller: string;
  roles: string[];
}

export interface PlannedRequest {
  kind: OpKind;
  actor: Actor;
  /** X-Purpose, for operations that read personal data. */
  purpose: string | null;
  body: string;
  /**
   * True when a 200 answer with data carries personal data or decisions, so its x-request-id must
   * have rows in access_log. Consent mutations return the event recorded (ids, purpose, time),
   * decide nothing and are not logged there: they are in consent_events with recorded_by.
   */
  logged: boolean;
}

export const ACTORS = {
  crm: { caller: 'crm-service', roles: ['service'] },
  marketing: { caller: 'marketing-service', roles: ['service'] },
  support: { caller: 'support-service', roles: ['service'] },
  billing: { caller: 'billing-service', roles: ['service'] },
  dpo: { caller: 'dpo-console', roles: ['dpo'] },
  auditor: { caller: 'security-audit', roles: ['auditor'] },
} satisfies Record<string, Actor>;

/** customer(id) readers: a service (or the DPO) and one of its purposes; equal shares. */
const SINGLE_READERS: [Actor, string][] = [
  [ACTORS.crm, 'account_management'],
  [ACTORS.crm, 'order_delivery'],
  [ACTORS.marketing, 'marketing'],
  [ACTORS.support, 'after_sales'],
  [ACTORS.billing, 'payment'],
  [ACTORS.dpo, 'data_subject_request'],
];
const BULK_READERS: [Actor, string][] = [
  [ACTORS.crm, 'account_management'],
  [ACTORS.crm, 'internal_administration'],
  [ACTORS.marketing, 'marketing'],
];

/**
 * What a front end asks for: contact data, orders and a bank account. Every purpose is refused
 * some of it (FORBIDDEN_BY_POLICY field errors in a 200 answer: expected results, not errors).
 */
const CUSTOMER_FIELDS = `id source collectedAt firstName lastName dateOfBirth nationality
  emails { id address primary } phones { id number kind } addresses { id city postcode country }
  orders { id orderedAt total currency status } bankAccounts { id bankName accountNumber }`;
const BULK_FIELDS = 'id firstName lastName emails { address } phones { number } orders { total currency }';

const EXPLAIN_CATEGORIES = ['identity.name', 'contact.email', 'contact.phone', 'financial.order', 'financial.bank_account'];

/** Deterministic PRNG (mulberry32), so two runs with the same --seed send the same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Throws when the pack in force lacks a caller or purpose the mix uses. */
export function checkMix(pack: PolicyPack): string[] {
  const problems: string[] = [];
  const registered = (caller: string, purpose: string) => pack.callers[caller]?.purposes.includes(purpose);
  for (const [a, p] of [...SINGLE_READERS, ...BULK_READERS]) if (!registered(a.caller, p)) problems.push(`${a.caller} is not registered for ${p}`);
  for (const a of Object.values(ACTORS)) if (!pack.callers[a.caller]) problems.push(`caller ${a.caller} is not in the pack`);
  if (!consentPurposes(pack).includes('marketing')) problems.push('purpose marketing is not consent-based');
  return problems;
}

export function consentPurposes(pack: PolicyPack): string[] {
  return Object.values(pack.purposes).filter((p) => p.lawfulBasis === 'consent').map((p) => p.key);
}

export function createMix(opts: { pack: PolicyPack; subjects: number; dataSeed: number; seed: number }): () => PlannedRequest {
  const random = rng(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const anyCustomer = () => customerId(Math.floor(random() * opts.subjects), opts.dataSeed);
  const purposes = Object.keys(opts.pack.purposes);
  const consent = consentPurposes(opts.pack);
  const gql = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

  return () => {
    const r = random() * 100;
    if (r < 60) {
      const [actor, purpose] = pick(SINGLE_READERS);
      return { kind: 'customer', actor, purpose, logged: true, body: gql(`query($id: ID!) { customer(id: $id) { ${CUSTOMER_FIELDS} } }`, { id: anyCustomer() }) };
    }
    if (r < 75) {
      const [actor, purpose] = pick(BULK_READERS);
      const ids = new Set<string>();
      while (ids.size < Math.min(20, opts.subjects)) ids.add(anyCustomer());
      return { kind: 'customers(20)', actor, purpose, logged: true, body: gql(`query($ids: [ID!]!) { customers(ids: $ids) { ${BULK_FIELDS} } }`, { ids: [...ids] }) };
    }
    if (r < 85) {
      const byDpo = random() < 0.5;
      const actor = byDpo ? ACTORS.dpo : ACTORS.marketing;
      const purpose = byDpo ? pick(consent) : 'marketing';
      const fields = 'id kind action purpose recordedAt recordedBy';
      if (random() < 0.5) {
        const input = { customerId: anyCustomer(), purpose, source: pick(['signup_form', 'email', 'support', 'checkout']), givenBy: 'subject' };
        return { kind: 'grantConsent', actor, purpose: null, logged: false, body: gql(`mutation($input: GrantConsentInput!) { grantConsent(input: $input) { ${fields} } }`, { input }) };
      }
      return {
        kind: 'withdrawConsent', actor, purpose: null, logged: false,
        body: gql(`mutation($c: ID!, $p: String!) { withdrawConsent(customerId: $c, purpose: $p) { ${fields} } }`, { c: anyCustomer(), p: purpose }),
      };
    }
    if (r < 95) {
      const byDpo = random() < 0.5;
      const variables = byDpo
        ? { c: anyCustomer(), p: pick(consent), cats: EXPLAIN_CATEGORIES } // the DPO checks a consent purpose on a few categories
        : { c: anyCustomer(), p: pick(purposes), cats: null }; // the auditor asks about every category of the pack
      return {
        kind: 'explain', actor: byDpo ? ACTORS.dpo : ACTORS.auditor, purpose: null, logged: true,
        body: gql('query($c: ID!, $p: String!, $cats: [String!]) { explain(customerId: $c, purpose: $p, categories: $cats) { purpose policyHash decisions { category effect reason rule } } }', variables),
      };
    }
    const filter = pick([
      () => ({ customerId: anyCustomer() }),
      () => ({ customerId: anyCustomer(), category: 'contact' }),
      () => ({ caller: pick(['crm-service', 'marketing-service', 'billing-service']), effect: 'DENY' }),
    ])();
    return {
      kind: 'accessLog', actor: ACTORS.auditor, purpose: null, logged: true,
      body: gql('query($f: AccessLogFilterInput) { accessLog(filter: $f, first: 20) { edges { node { at caller purpose category fields effect reason } } pageInfo { endCursor hasNextPage } } }', { f: filter }),
    };
  };
}

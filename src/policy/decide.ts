import { covers, isSensitiveInTaxonomy } from './taxonomy';
import { expiryCutoff, periodEnd } from './duration';
import { Duration, MaskKind, PolicyPack, Purpose } from './pack.types';
import { consentFor, CustomerState } from './customer-state';
import { seesAfterErasure } from './legal-hold';
import { guardianConsentOnRecord, guardianRuleCovers } from './minors';

/**
 * The decision: may this purpose see this category of this customer's data, now? One pure,
 * synchronous function: no I/O, no clock (the caller passes `now`), so it can run per field
 * without cost and be tested from data. Rules are checked in the documented order
 * (policies/FORMAT.md "Decision order"); the first failing rule is the reason.
 */
export const REASONS = [
  'CATEGORY_NOT_IN_PURPOSE', 'SUBJECT_ERASED', 'RESTRICTED', 'RECTIFICATION_PENDING', 'OBJECTED',
  'NO_CONSENT', 'CONSENT_WITHDRAWN', 'CONSENT_EXPIRED', 'GUARDIAN_CONSENT_REQUIRED', 'EXPLICIT_CONSENT_REQUIRED',
  'RETENTION_EXPIRED',
] as const;
export type Reason = (typeof REASONS)[number];
export type Effect = 'ALLOW' | 'MASK' | 'DENY';

export interface Decision {
  readonly effect: Effect;
  /** Set when the effect is DENY. */
  readonly reason: Reason | null;
  /** The pack rule that decided, e.g. `purposes.marketing.categories` or `minors.age`. */
  readonly rule: string;
  /** Set when the effect is MASK: how the value is masked. */
  readonly mask?: MaskKind;
}

export interface DecisionInput {
  readonly pack: PolicyPack;
  readonly purpose: Purpose;
  readonly category: string;
  /** Null when the decision is subject-independent (the plan stage). */
  readonly state: CustomerState | null;
  /** Collection time of the record holding the value; null = not known (no retention check). */
  readonly recordCollectedAt: Date | null;
  readonly now: Date;
}

const deny = (reason: Reason, rule: string): Decision => ({ effect: 'DENY', reason, rule });

/** Rule 1 alone: whether the purpose ever covers the category. Used before any state is read. */
export function purposeCovers(purpose: Purpose, category: string): boolean {
  return purpose.categories.some((c) => covers(c, category));
}

const sensitiveCache = new WeakMap<PolicyPack, Map<string, boolean>>();

/** Sensitive in the taxonomy or marked so by the pack; memoised per pack (it runs per field). */
export function isSensitive(pack: PolicyPack, category: string): boolean {
  let cache = sensitiveCache.get(pack);
  if (!cache) sensitiveCache.set(pack, (cache = new Map()));
  let v = cache.get(category);
  if (v === undefined) {
    v = isSensitiveInTaxonomy(category) || Object.entries(pack.categories).some(([key, c]) => c.sensitive && covers(key, category));
    cache.set(category, v);
  }
  return v;
}

/** Retention for (purpose, category): the most specific entry that covers the category, else the default. */
export function retentionFor(purpose: Purpose, category: string): Duration | null {
  let best: string | null = null;
  for (const key of Object.keys(purpose.retention)) {
    if (covers(key, category) && (best === null || key.length > best.length)) best = key;
  }
  return best !== null ? purpose.retention[best] : purpose.retentionDefault;
}

/**
 * Records collected at or before this instant are past retention for (purpose, category) at
 * `now`; null when the purpose keeps the category without limit. Computed once per request
 * and category, so the per-record check is one comparison.
 */
export function retentionCutoff(purpose: Purpose, category: string, now: Date): Date | null {
  const d = retentionFor(purpose, category);
  return d ? expiryCutoff(now, d) : null;
}

export function decide(input: DecisionInput): Decision {
  const pre = decideBeforeRetention(input.pack, input.purpose, input.category, input.state, input.now);
  if (pre.effect === 'DENY' || input.state === null || input.recordCollectedAt === null) return pre;
  return applyRetention(pre, input.purpose, retentionCutoff(input.purpose, input.category, input.now), input.recordCollectedAt);
}

/** Rule 7 on a decision of rules 1-6 and 8: a record collected at or before the cutoff is past retention. */
export function applyRetention(pre: Decision, purpose: Purpose, cutoff: Date | null, collectedAt: Date): Decision {
  if (pre.effect !== 'DENY' && cutoff !== null && collectedAt <= cutoff) return deny('RETENTION_EXPIRED', `purposes.${purpose.key}.retention`);
  return pre;
}

/**
 * What rules 1-8 need to know about (purpose, category) alone, worked out once per pack: the
 * decision runs for every customer and category of a request, and these parts are the same for
 * all of them. The decisions that do not depend on the customer are built here too, once.
 */
interface CategoryRules {
  readonly covered: boolean;
  readonly notCovered: Decision;
  readonly withoutState: Decision;
  readonly legalObligation: boolean;
  /** Rule 2: the purpose still sees the category after an erasure (src/policy/legal-hold.ts). */
  readonly keptAfterErasure: boolean;
  /** Rule 6 with `minors.applies_to: all`: a non-consent purpose under the guardian rule (src/policy/minors.ts). */
  readonly guardianRule: boolean;
  readonly guardianForAll: Decision;
  readonly objectable: boolean;
  readonly objected: Decision;
  readonly sensitive: boolean;
  readonly needsConsent: boolean;
  readonly noConsent: Decision;
  readonly withdrawn: Decision;
  readonly lapsed: Decision;
  readonly guardianRequired: Decision;
  readonly explicitRequired: Decision;
  readonly rectificationPending: Decision;
  /** Rule 8: ALLOW, or MASK with the purpose's masking for the category. */
  readonly allowed: Decision;
}

const rulesCache = new WeakMap<PolicyPack, WeakMap<Purpose, Map<string, CategoryRules>>>();

function rulesFor(pack: PolicyPack, purpose: Purpose, category: string): CategoryRules {
  let byPurpose = rulesCache.get(pack);
  if (!byPurpose) rulesCache.set(pack, (byPurpose = new WeakMap()));
  let byCategory = byPurpose.get(purpose);
  if (!byCategory) byPurpose.set(purpose, (byCategory = new Map()));
  let rules = byCategory.get(category);
  if (!rules) byCategory.set(category, (rules = buildRules(pack, purpose, category)));
  return rules;
}

function buildRules(pack: PolicyPack, purpose: Purpose, category: string): CategoryRules {
  const p = `purposes.${purpose.key}`;
  const legalObligation = purpose.lawfulBasis === 'legal_obligation';
  const sensitive = isSensitive(pack, category);
  const maskKey = Object.keys(purpose.masking).find((k) => covers(k, category));
  const lawful = `${p}.lawful_basis`;
  return {
    covered: purposeCovers(purpose, category),
    notCovered: deny('CATEGORY_NOT_IN_PURPOSE', `${p}.categories`),
    withoutState: { effect: 'ALLOW', reason: null, rule: `${p}.categories` },
    legalObligation,
    keptAfterErasure: seesAfterErasure(pack, purpose, category),
    guardianRule: guardianRuleCovers(pack, purpose),
    guardianForAll: deny('GUARDIAN_CONSENT_REQUIRED', 'minors.applies_to'),
    objectable: purpose.directMarketing || ['consent', 'legitimate_interest', 'public_task'].includes(purpose.lawfulBasis),
    objected: deny('OBJECTED', purpose.directMarketing ? `${p}.direct_marketing` : lawful),
    sensitive,
    needsConsent: purpose.lawfulBasis === 'consent' || (sensitive && !legalObligation && purpose.lawfulBasis !== 'vital_interest'),
    noConsent: deny('NO_CONSENT', lawful),
    withdrawn: deny('CONSENT_WITHDRAWN', lawful),
    lapsed: deny('CONSENT_EXPIRED', `${p}.consent_validity`),
    guardianRequired: deny('GUARDIAN_CONSENT_REQUIRED', 'minors.age'),
    explicitRequired: deny('EXPLICIT_CONSENT_REQUIRED', `categories.${category}.sensitive`),
    rectificationPending: deny('RECTIFICATION_PENDING', `rectification.${category}`),
    allowed: maskKey !== undefined
      ? { effect: 'MASK', reason: null, rule: `${p}.masking.${maskKey}`, mask: purpose.masking[maskKey] }
      : { effect: 'ALLOW', reason: null, rule: lawful },
  };
}

/**
 * Rules 1-6 and 8: everything that depends on the customer but not on the record. The same
 * for every record of one customer and category in a request, so the gateway computes it once.
 */
export function decideBeforeRetention(pack: PolicyPack, purpose: Purpose, category: string, state: CustomerState | null, now: Date): Decision {
  const r = rulesFor(pack, purpose, category);

  // 1. The purpose must cover the category at all.
  if (!r.covered) return r.notCovered;
  if (state === null) return r.withoutState;

  // 2. Erased customers: only what a legal hold keeps (its kept_after_erasure), for that obligation.
  if (state.erasedAt !== null && state.erasedAt <= now && !r.keptAfterErasure) return deny('SUBJECT_ERASED', 'erasure');

  // 3. Restrictions (whole customer, or a category, optionally for one purpose only).
  if (!r.legalObligation && state.restrictions.length) {
    const x = state.restrictions.find((x) => (x.category === null || covers(x.category, category)) && (x.purpose === null || x.purpose === purpose.key));
    if (x) return deny('RESTRICTED', x.category === null ? 'restriction.customer' : `restriction.${x.category}${x.purpose ? `.${x.purpose}` : ''}`);
  }

  // 4. Data under correction is neither used nor provided (SNS Helper; GDPR Art.18(1)(a)).
  if (state.pendingRectifications.some((c) => covers(c, category))) return r.rectificationPending;

  // 5. Objections: absolute for direct marketing; honoured where the basis gives a right to object.
  if (r.objectable && state.objections.some((o) => o.purpose === purpose.key && (o.category === null || covers(o.category, category)))) return r.objected;

  // 6. Consent: for consent-based purposes, and for sensitive data unless the law itself requires it.
  if (r.needsConsent) {
    const consent = consentFor(state, purpose.key);
    if (consent === null) return r.noConsent;
    if (consent.withdrawnAt !== null) return r.withdrawn;
    if (consent.expiresAt !== null && consent.expiresAt <= now) return deny('CONSENT_EXPIRED', 'consent.expires_at');
    if (purpose.consentValidity && periodEnd(consent.givenAt, purpose.consentValidity) <= now) return r.lapsed;
    if (consent.givenBy === 'subject' && state.dateOfBirth !== null && ageAt(state.dateOfBirth, now) < pack.minors.age) return r.guardianRequired;
    if (r.sensitive && !consent.explicit) return r.explicitRequired;
  }

  // 6 (minors.applies_to: all). A minor's data on any other basis needs a guardian's consent on record.
  if (r.guardianRule && state.dateOfBirth !== null && ageAt(state.dateOfBirth, now) < pack.minors.age && !guardianConsentOnRecord(state)) return r.guardianForAll;

  // 7. Retention is per record: see applyRetention. 8. Allowed, possibly masked.
  return r.allowed;
}

/** Completed years between a YYYY-MM-DD birth date and `now` (UTC). */
export function ageAt(dateOfBirth: string, now: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

import { covers, isSensitiveInTaxonomy } from './taxonomy';
import { addDuration, subtractDuration } from './duration';
import { Duration, MaskKind, PolicyPack, Purpose } from './pack.types';
import { consentFor, CustomerState } from './customer-state';

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
  return d ? subtractDuration(now, d) : null;
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
 * Rules 1-6 and 8: everything that depends on the customer but not on the record. The same
 * for every record of one customer and category in a request, so the gateway computes it once.
 */
export function decideBeforeRetention(pack: PolicyPack, purpose: Purpose, category: string, state: CustomerState | null, now: Date): Decision {
  const p = `purposes.${purpose.key}`;

  // 1. The purpose must cover the category at all.
  if (!purposeCovers(purpose, category)) return deny('CATEGORY_NOT_IN_PURPOSE', `${p}.categories`);
  if (state === null) return { effect: 'ALLOW', reason: null, rule: `${p}.categories` };

  const legalObligation = purpose.lawfulBasis === 'legal_obligation';

  // 2. Erased customers: only what a legal obligation keeps, for that obligation.
  if (state.erasedAt !== null && state.erasedAt <= now && !legalObligation) return deny('SUBJECT_ERASED', 'erasure');

  // 3. Restrictions (whole customer, or a category, optionally for one purpose only).
  if (!legalObligation) {
    const r = state.restrictions.find((x) => (x.category === null || covers(x.category, category)) && (x.purpose === null || x.purpose === purpose.key));
    if (r) return deny('RESTRICTED', r.category === null ? 'restriction.customer' : `restriction.${r.category}${r.purpose ? `.${r.purpose}` : ''}`);
  }

  // 4. Data under correction is neither used nor provided (SNS Helper; GDPR Art.18(1)(a)).
  if (state.pendingRectifications.some((c) => covers(c, category))) return deny('RECTIFICATION_PENDING', `rectification.${category}`);

  // 5. Objections: absolute for direct marketing; honoured where the basis gives a right to object.
  const objectable = purpose.directMarketing || ['consent', 'legitimate_interest', 'public_task'].includes(purpose.lawfulBasis);
  if (objectable && state.objections.some((o) => o.purpose === purpose.key && (o.category === null || covers(o.category, category)))) {
    return deny('OBJECTED', purpose.directMarketing ? `${p}.direct_marketing` : `${p}.lawful_basis`);
  }

  // 6. Consent: for consent-based purposes, and for sensitive data unless the law itself requires it.
  const sensitive = isSensitive(pack, category);
  const needsConsent = purpose.lawfulBasis === 'consent' || (sensitive && !legalObligation && purpose.lawfulBasis !== 'vital_interest');
  if (needsConsent) {
    const consent = consentFor(state, purpose.key);
    const rule = `${p}.lawful_basis`;
    if (consent === null) return deny('NO_CONSENT', rule);
    if (consent.withdrawnAt !== null) return deny('CONSENT_WITHDRAWN', rule);
    const lapse = purpose.consentValidity ? addDuration(consent.givenAt, purpose.consentValidity) : null;
    if ((consent.expiresAt !== null && consent.expiresAt <= now) || (lapse !== null && lapse <= now)) {
      return deny('CONSENT_EXPIRED', consent.expiresAt !== null && consent.expiresAt <= now ? 'consent.expires_at' : `${p}.consent_validity`);
    }
    if (consent.givenBy === 'subject' && state.dateOfBirth !== null && ageAt(state.dateOfBirth, now) < pack.minors.age) {
      return deny('GUARDIAN_CONSENT_REQUIRED', 'minors.age');
    }
    if (sensitive && !consent.explicit) return deny('EXPLICIT_CONSENT_REQUIRED', `categories.${category}.sensitive`);
  }

  // 7. Retention is per record: see applyRetention. 8. Allowed, possibly masked.
  const maskKey = Object.keys(purpose.masking).find((k) => covers(k, category));
  if (maskKey !== undefined) return { effect: 'MASK', reason: null, rule: `${p}.masking.${maskKey}`, mask: purpose.masking[maskKey] };
  return { effect: 'ALLOW', reason: null, rule: `${p}.lawful_basis` };
}

/** Completed years between a YYYY-MM-DD birth date and `now` (UTC). */
export function ageAt(dateOfBirth: string, now: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

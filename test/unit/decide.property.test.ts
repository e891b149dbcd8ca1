import fc from 'fast-check';
import { decide } from '../../src/policy/decide';
import { foldCustomerState, StateEvent } from '../../src/policy/customer-state';
import { LAWFUL_BASES, PolicyPack, Purpose } from '../../src/policy/pack.types';
import { covers, isSensitiveInTaxonomy, TAXONOMY } from '../../src/policy/taxonomy';
import { parseDuration } from '../../src/policy/duration';
import { civilEnd, daysInMonth, edgyInstant } from '../support/civil-calendar';

/**
 * Property: across random packs, customer states and requests, decide() never lets a value
 * through (ALLOW or MASK) unless an independent, deliberately naive statement of the law says
 * there is a lawful basis. The oracle below is written from policies/FORMAT.md, not from decide(),
 * and its calendar from test/support/civil-calendar.ts, not from policy/duration.ts. `now` is
 * drawn at random, month ends and 29 February included (the first of a month hides the calendar
 * rule); the events are drawn relative to REF and moved to `now`.
 */
const LEAVES = Object.keys(TAXONOMY).filter((k) => !Object.keys(TAXONOMY).some((o) => o.startsWith(k + '.')));
const ALL = Object.keys(TAXONOMY);
const REF = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const PURPOSE_KEYS = ['p_a', 'p_b', 'p_c'];

const purposeArb = (key: string) => fc.record({
  lawfulBasis: fc.constantFrom(...LAWFUL_BASES),
  directMarketing: fc.boolean(),
  categories: fc.subarray(ALL, { minLength: 1, maxLength: 6 }),
  retention: fc.option(fc.constantFrom('P6M', 'P1Y', 'P5Y'), { nil: null }),
  mask: fc.option(fc.constantFrom(...ALL), { nil: null }),
  consentValidity: fc.option(fc.constantFrom('P1M', 'P1Y'), { nil: null }),
}).map((p): Purpose => ({
  key, description: key, lawfulBasis: p.lawfulBasis,
  directMarketing: p.directMarketing && !['contract', 'legal_obligation', 'vital_interest'].includes(p.lawfulBasis),
  categories: p.categories, retentionDefault: p.retention ? parseDuration(p.retention) : null, retention: {},
  masking: p.mask ? { [p.mask]: 'redact' } : {}, consentValidity: p.consentValidity ? parseDuration(p.consentValidity) : null, cite: null,
}));

const day = (n: number) => new Date(REF.getTime() - n * DAY);
/** The event moved by `ms` (from REF to the drawn `now`). */
const shift = (e: StateEvent, ms: number): StateEvent => {
  const at = new Date(e.at.getTime() + ms);
  return e.kind === 'consent' ? { ...e, at, expiresAt: e.expiresAt && new Date(e.expiresAt.getTime() + ms) } : { ...e, at };
};
const eventArb: fc.Arbitrary<StateEvent> = fc.oneof(
  fc.record({ purpose: fc.constantFrom(...PURPOSE_KEYS), action: fc.constantFrom('grant' as const, 'withdraw' as const), givenBy: fc.constantFrom('subject' as const, 'guardian' as const), explicit: fc.boolean(), expires: fc.option(fc.integer({ min: -400, max: 400 }), { nil: null }), at: fc.integer({ min: 1, max: 3000 }) })
    .map((e): StateEvent => ({ kind: 'consent', at: day(e.at), purpose: e.purpose, action: e.action, givenBy: e.givenBy, explicit: e.explicit, expiresAt: e.expires === null ? null : day(e.expires) })),
  fc.record({ purpose: fc.constantFrom(...PURPOSE_KEYS), category: fc.option(fc.constantFrom(...ALL), { nil: null }), action: fc.constantFrom('object' as const, 'remove' as const), at: fc.integer({ min: 1, max: 3000 }) })
    .map((e): StateEvent => ({ kind: 'objection', at: day(e.at), purpose: e.purpose, category: e.category, action: e.action })),
  fc.record({ purpose: fc.option(fc.constantFrom(...PURPOSE_KEYS), { nil: null }), category: fc.option(fc.constantFrom(...ALL), { nil: null }), action: fc.constantFrom('restrict' as const, 'lift' as const), at: fc.integer({ min: 1, max: 3000 }) })
    .map((e): StateEvent => ({ kind: 'restriction', at: day(e.at), purpose: e.purpose, category: e.category, action: e.action })),
  fc.record({ category: fc.constantFrom(...ALL), action: fc.constantFrom('request' as const, 'resolve' as const), at: fc.integer({ min: 1, max: 3000 }) })
    .map((e): StateEvent => ({ kind: 'rectification', at: day(e.at), category: e.category, action: e.action })),
  fc.integer({ min: 1, max: 3000 }).map((n): StateEvent => ({ kind: 'erasure', at: day(n) })),
);

/** `now`: any instant (month ends, 29 February, 2000 and 2100 among them), or the 29th to the 31st of a month. */
const nowArb = fc.oneof(
  edgyInstant,
  fc.record({ y: fc.integer({ min: 2020, max: 2032 }), m: fc.integer({ min: 0, max: 11 }), d: fc.constantFrom(29, 30, 31), ms: fc.integer({ min: 0, max: DAY - 1 }) })
    .map(({ y, m, d, ms }) => new Date(Date.UTC(y, m, Math.min(d, daysInMonth(y, m))) + ms)),
);

/**
 * When the record was collected, before `now`: any day in eight years, at any time of day; or, as
 * often, at the end of the month where the purpose's retention (P6M when it has none) ends at
 * `now`, or the start of the next (on 31 August, P6M: records of 28 February have ended, those
 * of 1-3 March have not).
 */
type Collected = { daysAgo: number; ms: number } | { monthsLater: 0 | 1; day: number; ms: number };
const collectedArb: fc.Arbitrary<Collected> = fc.oneof(
  fc.record({ daysAgo: fc.integer({ min: 0, max: 3000 }), ms: fc.integer({ min: 0, max: DAY - 1 }) }),
  fc.oneof(
    fc.record({ monthsLater: fc.constant(0 as const), day: fc.constantFrom(26, 27, 28, 29, 30, 31), ms: fc.integer({ min: 0, max: DAY - 1 }) }),
    fc.record({ monthsLater: fc.constant(1 as const), day: fc.constantFrom(1, 2, 3), ms: fc.integer({ min: 0, max: DAY - 1 }) }),
  ),
);
function collectedBefore(now: Date, purpose: Purpose, c: Collected): Date {
  if ('daysAgo' in c) return new Date(now.getTime() - c.daysAgo * DAY - c.ms);
  const r = purpose.retentionDefault ?? { years: 0, months: 6 };
  const total = now.getUTCFullYear() * 12 + now.getUTCMonth() - (r.years * 12 + r.months) + c.monthsLater;
  const [y, m] = [Math.floor(total / 12), total % 12];
  return new Date(Math.min(Date.UTC(y, m, Math.min(c.day, daysInMonth(y, m))) + c.ms, now.getTime()));
}

/** The oracle: is there a lawful basis for `purpose` to see `category` of this subject? */
function lawful(pack: PolicyPack, purpose: Purpose, category: string, events: StateEvent[], dob: string, collectedAt: Date, NOW: Date): boolean {
  if (!purpose.categories.some((c) => covers(c, category))) return false;
  const legal = purpose.lawfulBasis === 'legal_obligation';
  const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
  // After an erasure, only what a legal-obligation purpose names in kept_after_erasure (none here: absent keeps nothing).
  if (sorted.some((e) => e.kind === 'erasure') && !(legal && (purpose.keptAfterErasure ?? []).some((k) => covers(k, category)))) return false;
  // Restrictions and rectifications still in force: the last event per key wins.
  const last = new Map<string, string>();
  for (const e of sorted) {
    if (e.kind === 'restriction') last.set(`r|${e.category}|${e.purpose}`, e.action);
    if (e.kind === 'rectification') last.set(`x|${e.category}`, e.action);
    if (e.kind === 'objection') last.set(`o|${e.purpose}|${e.category}`, e.action);
  }
  for (const [k, v] of last) {
    const [kind, cat, p] = k.split('|');
    const catCovers = cat === 'null' || covers(cat, category);
    if (kind === 'r' && v === 'restrict' && !legal && catCovers && (p === 'null' || p === purpose.key)) return false;
    if (kind === 'x' && v === 'request' && covers(cat, category)) return false;
    if (kind === 'o' && v === 'object' && cat !== undefined && p === undefined) continue;
  }
  const objectable = purpose.directMarketing || ['consent', 'legitimate_interest', 'public_task'].includes(purpose.lawfulBasis);
  for (const [k, v] of last) {
    const [kind, p, cat] = k.split('|');
    if (kind === 'o' && v === 'object' && objectable && p === purpose.key && (cat === 'null' || covers(cat, category))) return false;
  }
  const sensitive = isSensitiveInTaxonomy(category);
  if (purpose.lawfulBasis === 'consent' || (sensitive && !legal && purpose.lawfulBasis !== 'vital_interest')) {
    const consents = sorted.filter((e): e is Extract<StateEvent, { kind: 'consent' }> => e.kind === 'consent' && e.purpose === purpose.key);
    const latest = consents[consents.length - 1];
    if (!latest || latest.action !== 'grant') return false;
    if (latest.expiresAt && latest.expiresAt <= NOW) return false;
    const age = NOW.getUTCFullYear() - Number(dob.slice(0, 4)) - (NOW.toISOString().slice(5, 10) < dob.slice(5, 10) ? 1 : 0);
    if (age < pack.minors.age && latest.givenBy !== 'guardian') return false;
    if (purpose.consentValidity && civilEnd(latest.at, purpose.consentValidity) <= NOW) return false;
    if (sensitive && !latest.explicit) return false;
  }
  if (purpose.retentionDefault && civilEnd(collectedAt, purpose.retentionDefault) <= NOW) return false;
  return true;
}

test('no value without a lawful basis (decide vs. an independent oracle)', () => {
  fc.assert(
    fc.property(
      fc.tuple(purposeArb('p_a'), purposeArb('p_b'), purposeArb('p_c')),
      // As often a short history (so that retention, the last rule, is reached) as a long one.
      fc.oneof(fc.array(eventArb, { maxLength: 2 }), fc.array(eventArb, { maxLength: 12 })),
      fc.constantFrom(...LEAVES),
      fc.constantFrom(...PURPOSE_KEYS),
      fc.integer({ min: 5, max: 60 }),
      collectedArb,
      nowArb,
      (purposes, events, category, purposeKey, ageYears, collected, NOW) => {
        const dob = `${NOW.getUTCFullYear() - ageYears}-03-15`;
        const pack = { minors: { age: 20, withoutGuardianConsent: 'delete' }, categories: {}, purposes: Object.fromEntries(purposes.map((p) => [p.key, p])) } as unknown as PolicyPack;
        const purpose = pack.purposes[purposeKey];
        const collectedAt = collectedBefore(NOW, purpose, collected);
        const ordered = events.map((e) => shift(e, NOW.getTime() - REF.getTime())).sort((a, b) => a.at.getTime() - b.at.getTime());
        const state = foldCustomerState('s', dob, ordered, NOW);
        const d = decide({ pack, purpose, category, state, recordCollectedAt: collectedAt, now: NOW });
        const oracle = lawful(pack, purpose, category, ordered, dob, collectedAt, NOW);
        // Never more permissive than the law; and never a denial without a reason.
        if (d.effect !== 'DENY') expect(oracle).toBe(true);
        if (d.effect === 'DENY') expect(d.reason).not.toBeNull();
        // And not needlessly strict: where the oracle finds a basis, decide lets the value through.
        expect(d.effect !== 'DENY').toBe(oracle);
      },
    ),
    { numRuns: 5000, seed: 20261125 },
  );
});

import fc from 'fast-check';
import { decide } from '../../src/policy/decide';
import { foldCustomerState, StateEvent } from '../../src/policy/customer-state';
import { LAWFUL_BASES, PolicyPack, Purpose } from '../../src/policy/pack.types';
import { covers, isSensitiveInTaxonomy, TAXONOMY } from '../../src/policy/taxonomy';
import { parseDuration, addDuration } from '../../src/policy/duration';

/**
 * Property: across random packs, customer states and requests, decide() never lets a value
 * through (ALLOW or MASK) unless an independent, deliberately naive statement of the law says
 * there is a lawful basis. The oracle below is written from policies/FORMAT.md, not from decide().
 */
const LEAVES = Object.keys(TAXONOMY).filter((k) => !Object.keys(TAXONOMY).some((o) => o.startsWith(k + '.')));
const ALL = Object.keys(TAXONOMY);
const NOW = new Date('2026-06-01T00:00:00Z');
const PURPOSE_KEYS = ['p_a', 'p_b', 'p_c'];

const purposeArb = (key: string) => fc.record({
  lawfulBasis: fc.constantFrom(...LAWFUL_BASES),
  directMarketing: fc.boolean(),
  categories: fc.subarray(ALL, { minLength: 1, maxLength: 6 }),
  retention: fc.option(fc.constantFrom('P6M', 'P1Y', 'P5Y'), { nil: null }),
  mask: fc.option(fc.constantFrom(...ALL), { nil: null }),
}).map((p): Purpose => ({
  key, description: key, lawfulBasis: p.lawfulBasis,
  directMarketing: p.directMarketing && !['contract', 'legal_obligation', 'vital_interest'].includes(p.lawfulBasis),
  categories: p.categories, retentionDefault: p.retention ? parseDuration(p.retention) : null, retention: {},
  masking: p.mask ? { [p.mask]: 'redact' } : {}, consentValidity: null, cite: null,
}));

const day = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
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

/** The oracle: is there a lawful basis for `purpose` to see `category` of this subject? */
function lawful(pack: PolicyPack, purpose: Purpose, category: string, events: StateEvent[], dob: string, collectedDaysAgo: number): boolean {
  if (!purpose.categories.some((c) => covers(c, category))) return false;
  const legal = purpose.lawfulBasis === 'legal_obligation';
  const sorted = [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
  if (!legal && sorted.some((e) => e.kind === 'erasure')) return false;
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
    if (sensitive && !latest.explicit) return false;
  }
  if (purpose.retentionDefault && addDuration(day(collectedDaysAgo), purpose.retentionDefault) <= NOW) return false;
  return true;
}

test('no value without a lawful basis (decide vs. an independent oracle)', () => {
  fc.assert(
    fc.property(
      fc.tuple(purposeArb('p_a'), purposeArb('p_b'), purposeArb('p_c')),
      fc.array(eventArb, { maxLength: 12 }),
      fc.constantFrom(...LEAVES),
      fc.constantFrom(...PURPOSE_KEYS),
      fc.integer({ min: 5, max: 60 }),
      fc.integer({ min: 0, max: 3000 }),
      (purposes, events, category, purposeKey, ageYears, collectedDaysAgo) => {
        const dob = `${NOW.getUTCFullYear() - ageYears}-03-15`;
        const pack = { minors: { age: 20, withoutGuardianConsent: 'delete' }, categories: {}, purposes: Object.fromEntries(purposes.map((p) => [p.key, p])) } as unknown as PolicyPack;
        const purpose = pack.purposes[purposeKey];
        const ordered = [...events].sort((a, b) => a.at.getTime() - b.at.getTime());
        const state = foldCustomerState('s', dob, ordered, NOW);
        const d = decide({ pack, purpose, category, state, recordCollectedAt: day(collectedDaysAgo), now: NOW });
        const oracle = lawful(pack, purpose, category, ordered, dob, collectedDaysAgo);
        // Never more permissive than the law; and never a denial without a reason.
        if (d.effect !== 'DENY') expect(oracle).toBe(true);
        if (d.effect === 'DENY') expect(d.reason).not.toBeNull();
        // And not needlessly strict: where the oracle finds a basis, decide lets the value through.
        expect(d.effect !== 'DENY').toBe(oracle);
      },
    ),
    { numRuns: 3000, seed: 20261125 },
  );
});

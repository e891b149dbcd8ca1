import { decide, Effect } from './decide';
import { foldCustomerState, StateEvent } from './customer-state';
import { covers } from './taxonomy';
import { PolicyPack } from './pack.types';
import { retentionErrors } from './retention';

/**
 * Runs a pack's own test cases (kept as data in the pack, Cerbos-style) through the real
 * decide(), and lints the pack against the schema's categories. Used by `npm run policy -- check`
 * and by test/unit/policy-packs.test.ts.
 */
export interface PackTestFailure {
  test: string;
  category: string;
  expected: { effect: Effect; reason?: string; rule?: string };
  actual: { effect: Effect; reason: string | null; rule: string };
}

type RawTest = {
  name: string; caller: string; purpose: string; now: string; record_collected_at?: string;
  subject: {
    date_of_birth?: string; erased?: boolean; rectifications?: string[];
    consents?: { purpose: string; action: 'grant' | 'withdraw'; given_by?: 'subject' | 'guardian'; explicit?: boolean; at: string; expires_at?: string }[];
    objections?: { purpose: string; category?: string; action: 'object' | 'remove'; at: string }[];
    restrictions?: { purpose?: string; category?: string; action: 'restrict' | 'lift'; at: string }[];
  };
  expect: Record<string, { effect: Effect; reason?: string; rule?: string }>;
};

export function runPackTests(pack: PolicyPack): { run: number; failures: PackTestFailure[]; problems: string[] } {
  const tests = (pack.raw.tests ?? []) as RawTest[];
  const failures: PackTestFailure[] = [];
  const problems: string[] = [];
  let run = 0;
  for (const t of tests) {
    const now = new Date(t.now);
    const caller = pack.callers[t.caller];
    if (!caller) problems.push(`test "${t.name}": unknown caller "${t.caller}"`);
    else if (!caller.purposes.includes(t.purpose)) problems.push(`test "${t.name}": caller "${t.caller}" is not registered for "${t.purpose}"`);
    const purpose = pack.purposes[t.purpose];
    if (!purpose) continue;
    const s = t.subject;
    const events: StateEvent[] = [
      ...(s.consents ?? []).map((c): StateEvent => ({ kind: 'consent', at: new Date(c.at), purpose: c.purpose, action: c.action, givenBy: c.given_by ?? 'subject', explicit: c.explicit === true, expiresAt: c.expires_at ? new Date(c.expires_at) : null })),
      ...(s.objections ?? []).map((o): StateEvent => ({ kind: 'objection', at: new Date(o.at), purpose: o.purpose, category: o.category ?? null, action: o.action })),
      ...(s.restrictions ?? []).map((r): StateEvent => ({ kind: 'restriction', at: new Date(r.at), purpose: r.purpose ?? null, category: r.category ?? null, action: r.action })),
      ...(s.rectifications ?? []).map((c): StateEvent => ({ kind: 'rectification', at: new Date(0), category: c, action: 'request' })),
      ...(s.erased ? [{ kind: 'erasure', at: new Date(0) } as StateEvent] : []),
    ].sort((a, b) => a.at.getTime() - b.at.getTime());
    const state = foldCustomerState('test-subject', s.date_of_birth ?? null, events, now);
    for (const [category, expected] of Object.entries(t.expect)) {
      run++;
      const d = decide({ pack, purpose, category, state, recordCollectedAt: t.record_collected_at ? new Date(t.record_collected_at) : now, now });
      const ok = d.effect === expected.effect && (expected.reason === undefined || d.reason === expected.reason) && (expected.rule === undefined || d.rule === expected.rule);
      if (!ok) failures.push({ test: t.name, category, expected, actual: { effect: d.effect, reason: d.reason, rule: d.rule } });
    }
  }
  return { run, failures, problems };
}

/**
 * Lint. Errors and warnings fail `policy check`. Errors: a held category (declared under
 * `categories`, or held by the gateway's stores) that no purpose but the rights-administration
 * ones covers and `not_collected` does not list, so the retention sweep would keep it forever;
 * a `not_collected` entry that contradicts the pack (src/policy/retention.ts). Warnings: a purpose
 * none of whose categories the schema has (it could never see anything), a purpose category the
 * pack does not declare, a caller with an unknown purpose. Notes do not fail: a purpose category
 * the schema lacks while others are present is data the controller holds outside the gateway's stores.
 */
export function lintPack(pack: PolicyPack, schemaCategories: readonly string[]): { errors: string[]; warnings: string[]; notes: string[] } {
  const errors = retentionErrors(pack);
  const warnings: string[] = [];
  const notes: string[] = [];
  for (const p of Object.values(pack.purposes)) {
    const inSchema = (c: string) => schemaCategories.some((s) => covers(c, s) || covers(s, c));
    if (!p.categories.some(inSchema)) warnings.push(`purpose "${p.key}": the schema has none of its categories`);
    for (const c of p.categories) {
      if (!inSchema(c)) notes.push(`purpose "${p.key}": category "${c}" is held outside the gateway's stores`);
      if (!Object.keys(pack.categories).some((k) => covers(k, c) || covers(c, k))) warnings.push(`purpose "${p.key}": category "${c}" is not declared under categories`);
    }
  }
  for (const c of Object.values(pack.callers)) {
    for (const p of c.purposes) if (!pack.purposes[p]) warnings.push(`caller "${c.id}": unknown purpose "${p}"`);
  }
  return { errors, warnings, notes };
}

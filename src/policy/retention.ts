import path from 'node:path';
import { Duration, PolicyPack } from './pack.types';
import { purposeCovers, retentionFor } from './decide';
import { expiryCutoff } from './duration';
import { isRightsAdministration, RIGHTS_ADMINISTRATION_PURPOSES } from './legal-hold';
import { covers } from './taxonomy';
import { CUSTOMER_IDENTITY, PERSONAL_TABLES } from '../rights/retention-sweep-tables';

/**
 * How long a pack keeps a category: the one statement that the retention sweep applies
 * (src/rights/retention-sweep-plan.ts), the subject export states (`retention`, per category) and
 * `npm run policy -- check` lints, so that the three never disagree.
 *
 * - `retention`: the longest retention any purpose covering the category states, counted from
 *   each record's collection time; `purpose` is the one that sets it. The rights-administration
 *   purposes (`data_subject_request`, `consent_management`) do not count: they cover every
 *   category for 10 years so that the DPO can answer requests, and their own records live in the
 *   gateway's tables (src/policy/legal-hold.ts).
 * - `no_limit`: a purpose covering it states no retention; kept until erased.
 * - `not_collected`: no purpose covers it and the pack lists it under `not_collected` (the policy
 *   does not collect it): the sweep deletes, or anonymises, its records whatever their age.
 * - `no_purpose`: neither. The sweep keeps it (an unattended job does not destroy data because a
 *   rule is missing), and `policy check` refuses the pack when the category is held (declared
 *   under `categories`, or held by the gateway's stores).
 */
export const RETENTION_RULES = ['retention', 'no_limit', 'not_collected', 'no_purpose'] as const;
export type RetentionRule = (typeof RETENTION_RULES)[number];

export interface CategoryRetention {
  readonly category: string;
  readonly rule: RetentionRule;
  /** The purpose that sets the retention (`retention`, `no_limit`); null otherwise. */
  readonly purpose: string | null;
  readonly retention: Duration | null;
  /** Records collected at or before this instant are past it (`not_collected`: every record); null: none is. */
  readonly cutoff: Date | null;
  /** Every counted purpose that covers the category, in pack order, with the retention it states. */
  readonly purposes: readonly { readonly purpose: string; readonly retention: Duration | null }[];
}

export function categoryRetention(pack: PolicyPack, category: string, now: Date): CategoryRetention {
  const purposes = Object.values(pack.purposes)
    .filter((p) => !isRightsAdministration(p) && purposeCovers(p, category))
    .map((p) => ({ purpose: p.key, retention: retentionFor(p, category) }));
  if (purposes.length) {
    const unlimited = purposes.find((x) => x.retention === null);
    if (unlimited) return { category, rule: 'no_limit', purpose: unlimited.purpose, retention: null, cutoff: null, purposes };
    let best: { purpose: string; retention: Duration; cutoff: Date } | null = null;
    for (const x of purposes) {
      const cutoff = expiryCutoff(now, x.retention!);
      if (best === null || cutoff < best.cutoff) best = { purpose: x.purpose, retention: x.retention!, cutoff };
    }
    return { category, rule: 'retention', ...best!, purposes };
  }
  if (isNotCollected(pack, category)) return { category, rule: 'not_collected', purpose: null, retention: null, cutoff: now, purposes };
  return { category, rule: 'no_purpose', purpose: null, retention: null, cutoff: null, purposes };
}

export function isNotCollected(pack: PolicyPack, category: string): boolean {
  return (pack.notCollected ?? []).some((k) => covers(k, category));
}

/** Where the gateway's stores hold each category (src/rights/retention-sweep-tables.ts). */
export const STORE_CATEGORIES: ReadonlyMap<string, string> = new Map([
  ...PERSONAL_TABLES.flatMap((t) => t.categories.map((c) => [c.category, `${t.store}.${t.table}`] as [string, string])),
  ...CUSTOMER_IDENTITY.map((c) => [c.category, 'crm.customers'] as [string, string]),
]);

/** The categories a pack holds: those it declares under `categories`, then those the stores hold. */
export function heldCategories(pack: PolicyPack): { category: string; where: string }[] {
  const declared = Object.keys(pack.categories);
  return [
    ...declared.map((category) => ({ category, where: 'declared under categories' })),
    ...[...STORE_CATEGORIES].filter(([c]) => !declared.includes(c)).map(([category, table]) => ({ category, where: `held by the store table ${table}` })),
  ];
}

/**
 * `policy check` errors: a held category no counted purpose covers and the pack does not list as
 * not collected (the sweep would keep it forever), and a `not_collected` entry that contradicts
 * the pack (declared under `categories`, or covered by a purpose). Each names the file, the
 * category and the fix.
 */
export function retentionErrors(pack: PolicyPack, now: Date = new Date()): string[] {
  const file = path.relative(process.cwd(), pack.file) || pack.file;
  const errors: string[] = [];
  for (const { category, where } of heldCategories(pack)) {
    if (categoryRetention(pack, category, now).rule !== 'no_purpose') continue;
    errors.push(`${file}: category "${category}" (${where}) is covered by no purpose other than ${RIGHTS_ADMINISTRATION_PURPOSES.join(' and ')}, `
      + 'so the retention sweep would keep it forever; fix: add it to the categories of the purpose that uses it, with a retention, '
      + 'or list it under not_collected (with a cite) if the policy does not collect it');
  }
  for (const k of pack.notCollected ?? []) {
    const declared = Object.keys(pack.categories).filter((c) => covers(k, c) || covers(c, k));
    if (declared.length) errors.push(`${file}: not_collected "${k}" overlaps ${declared.map((c) => `"${c}"`).join(', ')} declared under categories; fix: a category the policy collects needs a purpose, so remove it from one of the two lists`);
    const by = Object.values(pack.purposes).filter((p) => !isRightsAdministration(p) && p.categories.some((c) => covers(k, c) || covers(c, k)));
    if (by.length) errors.push(`${file}: not_collected "${k}" is used by purpose ${by.map((p) => `"${p.key}"`).join(', ')}; fix: remove it from not_collected, or from the purpose's categories`);
  }
  return errors;
}

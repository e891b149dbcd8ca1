import { covers, isKnownCategory } from './taxonomy';
import { PolicyPack, Purpose } from './pack.types';
import { CUSTOMER_IDENTITY } from '../rights/retention-sweep-tables';

/**
 * What a legal obligation keeps after an erasure: the one definition that decide() (rule 2), the
 * erasure (which records stay, receipt line by receipt line) and the retention sweep (when an
 * erased customer's kept records finally go) all use, so that they never disagree.
 *
 * A LEGAL HOLD is a `legal_obligation` purpose, other than the rights-administration ones, with
 * `kept_after_erasure: [categories]` (within its own categories). After an erasure it keeps the
 * records of those categories only, each until its collection time + the purpose's retention for
 * the category; nothing else it covers is kept. "Only as long as the law requires" (SMSMKT 4.2):
 * a tax purpose that covers the customer's e-mail so that the invoice can be SENT does not keep
 * every e-mail after an erasure; the law keeps the invoice, with the billing name, address and tax
 * ID printed on it. The pack loader refuses a legal-obligation purpose that does not say what it
 * keeps (`[]` for nothing), so an absent list (code-built packs only) keeps nothing.
 *
 * The rights-administration purposes (`data_subject_request`, `consent_management`, a convention
 * of all five packs, policies/README.md) keep nothing themselves: they cover every category for 10
 * years so that the DPO can answer requests about whatever is held, and their own records live in
 * the gateway's tables. After an erasure they see exactly what the pack's legal holds keep, so
 * that the DPO can still answer the erased customer's access request about the kept records.
 */
export const RIGHTS_ADMINISTRATION_PURPOSES: readonly string[] = ['data_subject_request', 'consent_management'];

export function isRightsAdministration(purpose: Pick<Purpose, 'key'>): boolean {
  return RIGHTS_ADMINISTRATION_PURPOSES.includes(purpose.key);
}

/** Whether `purpose` is a legal hold that keeps records of `category` after an erasure. */
export function holdKeeps(purpose: Purpose, category: string): boolean {
  return purpose.lawfulBasis === 'legal_obligation' && !isRightsAdministration(purpose)
    && (purpose.keptAfterErasure ?? []).some((k) => covers(k, category));
}

/** The legal holds of the pack that keep records of `category` after an erasure. */
export function legalHoldsFor(pack: PolicyPack, category: string): Purpose[] {
  return Object.values(pack.purposes).filter((p) => holdKeeps(p, category));
}

/** decide()'s rule 2: whether `purpose` still sees `category` of an erased customer. */
export function seesAfterErasure(pack: PolicyPack, purpose: Purpose, category: string): boolean {
  if (purpose.lawfulBasis !== 'legal_obligation') return false;
  return isRightsAdministration(purpose) ? legalHoldsFor(pack, category).length > 0 : holdKeeps(purpose, category);
}

/**
 * Load-time checks of one purpose's `kept_after_erasure` (as written in the YAML), as
 * [key path below the purpose, message]: a legal-obligation purpose must say what it keeps ([]
 * for nothing); only such a purpose may; each entry is one of its own categories; and none is
 * an identity category of the customer record, which an erasure always anonymises (the kept
 * invoice carries the billing name, address and tax ID as issued: financial.invoice, .tax_id).
 */
export interface RawPurpose { key: string; lawful_basis: string; categories: string[]; kept_after_erasure?: string[] }

export function keptAfterErasureProblems(p: RawPurpose): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const kept = p.kept_after_erasure;
  const legal = p.lawful_basis === 'legal_obligation';
  if (kept === undefined) {
    if (legal && !isRightsAdministration(p)) out.push([['kept_after_erasure'], 'a legal_obligation purpose must name the categories whose records it keeps after an erasure ([] for none)']);
    return out;
  }
  if (!legal) return [[['kept_after_erasure'], `only a legal_obligation purpose keeps records after an erasure, not ${p.lawful_basis}`]];
  if (isRightsAdministration(p)) return [[['kept_after_erasure'], `${p.key} keeps nothing itself: after an erasure it sees what the pack's legal holds keep`]];
  kept.forEach((c, j) => {
    if (!isKnownCategory(c)) out.push([['kept_after_erasure', j], `"${c}" is not in the taxonomy`]);
    else if (!p.categories.some((pc) => covers(pc, c))) out.push([['kept_after_erasure', j], `"${c}" is not among the purpose's categories`]);
    else if (CUSTOMER_IDENTITY.some((x) => covers(c, x.category))) {
      out.push([['kept_after_erasure', j], `"${c}" covers the customer record's identity, which an erasure always anonymises; a kept invoice keeps the billing name, address and tax ID (financial.invoice, financial.tax_id)`]);
    }
  });
  return out;
}

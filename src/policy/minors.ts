import { CustomerState } from './customer-state';
import { LawfulBasis, PolicyPack, Purpose } from './pack.types';

/**
 * The minors rule beyond consent (`minors.applies_to: all`, policies/FORMAT.md): shared by
 * decide() (rule 6) and the minors query and erasure (src/rights/erasure.service.ts).
 *
 * With `applies_to: consent` (the default, PDPA s.20 / GDPR Art.8) a guardian's consent is needed
 * where the purpose rests on consent, and checked per purpose. With `all` (Soft SQ §8: nothing is
 * collected from a child under 16 without a parent's consent), a customer under `minors.age` is
 * processed for purposes on any other basis only if a parent or guardian has consented at all:
 * at least one consent on record whose latest grant was given by a guardian. A later withdrawal
 * or lapse of that purpose's consent does not undo it: it is honoured for that purpose (rule 6),
 * and the data was still collected with a parent's consent. Legal obligations and vital interests
 * are never stopped: the law requires or allows them without anyone's consent (the same bases
 * that need no consent for sensitive data).
 */
const EXEMPT: readonly LawfulBasis[] = ['legal_obligation', 'vital_interest'];

/** Whether `minors.applies_to: all` puts this non-consent purpose under the guardian rule. */
export function guardianRuleCovers(pack: PolicyPack, purpose: Purpose): boolean {
  return pack.minors.appliesTo === 'all' && purpose.lawfulBasis !== 'consent' && !EXEMPT.includes(purpose.lawfulBasis);
}

/** A parent or guardian gave a consent for this customer (the latest grant of some purpose). */
export function guardianConsentOnRecord(state: CustomerState): boolean {
  return Object.values(state.consents).some((c) => c.givenBy === 'guardian');
}

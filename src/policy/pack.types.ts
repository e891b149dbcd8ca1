/**
 * A policy pack as the gateway uses it after loading (see policies/FORMAT.md for the YAML).
 * Durations are kept as ISO 8601 strings in the YAML and as parsed Duration objects here.
 */
export const LAWFUL_BASES = ['consent', 'contract', 'legal_obligation', 'legitimate_interest', 'vital_interest', 'public_task'] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];
export const ROLES = ['service', 'auditor', 'dpo'] as const;
export type Role = (typeof ROLES)[number];
export const MASKS = ['last4', 'email', 'initials', 'redact', 'year_only'] as const;
export type MaskKind = (typeof MASKS)[number];

export interface Duration {
  readonly iso: string;
  readonly years: number;
  readonly months: number;
  readonly days: number;
}

export interface Purpose {
  readonly key: string;
  readonly description: string;
  readonly lawfulBasis: LawfulBasis;
  readonly directMarketing: boolean;
  /** `data_use`: the fideslang data use this purpose is (src/catalog/data-uses.ts); null when the pack gives none. */
  readonly dataUse?: string | null;
  readonly categories: readonly string[];
  readonly retentionDefault: Duration | null;
  readonly retention: Readonly<Record<string, Duration>>;
  readonly masking: Readonly<Record<string, MaskKind>>;
  readonly consentValidity: Duration | null;
  /**
   * Legal-obligation purposes: the categories whose records it keeps after an erasure
   * (src/policy/legal-hold.ts). Absent or empty: it keeps nothing.
   */
  readonly keptAfterErasure?: readonly string[];
  readonly cite: string | null;
}

export interface CallerEntry {
  readonly id: string;
  readonly purposes: readonly string[];
  readonly roles: readonly Role[];
}

export interface PolicyPack {
  readonly id: string;
  readonly title: string;
  /**
   * The policy hash, recorded with every access-log entry, rights request and erasure receipt:
   * sha256 of the pack's rules in canonical form, not of its tests or comments (src/policy/pack-hash.ts).
   */
  readonly hash: string;
  /** sha256 of the pack file as read (tests and comments included). */
  readonly fileHash?: string;
  readonly file: string;
  readonly language: 'th' | 'en';
  readonly controller: { name: string; contact: Record<string, string>; dpo: Record<string, string> };
  readonly regulator: { name: string; contact: string };
  readonly rights: { responseDeadline: Duration; granted: readonly string[] };
  readonly accessLogRetention: Duration | null;
  /** Categories this controller holds: key -> sensitive. */
  readonly categories: Readonly<Record<string, { sensitive: boolean }>>;
  /**
   * `not_collected`: categories the gateway's stores can hold that the policy does not collect;
   * the retention sweep deletes (or anonymises) their records whatever their age (src/policy/retention.ts).
   */
  readonly notCollected?: readonly string[];
  /** `appliesTo`: the age rule covers consent-based purposes only, or all processing (src/policy/minors.ts). */
  readonly minors: { age: number; withoutGuardianConsent: 'delete' | 'restrict'; appliesTo: 'consent' | 'all' };
  readonly purposes: Readonly<Record<string, Purpose>>;
  readonly callers: Readonly<Record<string, CallerEntry>>;
  /** The rest (recipients, transfers, sources, statements, tests) kept as parsed for export and tooling. */
  readonly raw: Record<string, unknown>;
}

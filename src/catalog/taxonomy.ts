import FIDESLANG from './fideslang-data-categories.json';

/**
 * The catalogue's data-category taxonomy: fideslang's default data categories, taken as data from
 * ethyca/fideslang `src/fideslang/default_taxonomy/data_categories.py` at commit
 * 1144db3c9689e7324d92659e7240cac2dd384029 (taxonomy version 3.2.0; see the `_source` block of
 * fideslang-data-categories.json and src/catalog/README.md).
 *
 * Hierarchical as src/policy/taxonomy.ts is: a category covers its descendants
 * (`user.contact` covers `user.contact.email`). A deprecated fideslang key (`version_deprecated`
 * and `replaced_by` set) stays known as an alias: it resolves to its replacement, so a dataset
 * written against an older fideslang still loads, and every decision is taken on the current key.
 *
 * This module is not used by the gateway yet (src/policy/taxonomy.ts still is): see README.md.
 */

export interface DataCategory {
  /** fideslang `fides_key`. */
  readonly key: string;
  readonly name: string;
  readonly description: string;
  /** fideslang `parent_key`; null for the roots (`user`, `system`). */
  readonly parent: string | null;
  readonly versionAdded: string;
  /** Set for a deprecated key: the fideslang version that deprecated it and its replacement. */
  readonly deprecated: { readonly since: string; readonly replacedBy: string } | null;
  /** Marked sensitive here (see SENSITIVE_CATEGORIES); descendants are sensitive through it. */
  readonly sensitive: boolean;
}

/** Where the data comes from, as recorded in the JSON file. */
export const FIDESLANG_SOURCE: Readonly<{ repository: string; path: string; commit: string; taxonomy_version: string }> = FIDESLANG._source;

/**
 * The special categories (GDPR Art. 9 and 10, Thai PDPA s.26) that need explicit consent whatever a
 * pack says; src/policy/taxonomy.ts marks its own `health`, `biometric`, `religion`,
 * `criminal_record` and `diversity` the same way. We mark fideslang's own grouping where it has one
 * and the single leaf where it has none; a mark covers every descendant, and a deprecated alias is
 * sensitive through the key it resolves to (`user.health_and_medical` -> `user.health`,
 * `user.biometric.*` -> `user.biometrics.*`):
 * - `user.health`: health, with fideslang's `user.health.genetic` (genetic data) under it;
 * - `user.biometrics`: biometric data;
 * - `user.authorization.biometrics`: biometric credentials, biometric data used to identify a person;
 * - `user.criminal_history`: criminal records and offences;
 * - `user.demographic.race_ethnicity`: racial or ethnic origin;
 * - `user.demographic.religious_belief`, `user.demographic.philosophical_belief`: religion or belief;
 * - `user.demographic.political_opinion`: political opinions;
 * - `user.demographic.sexual_orientation`: sexual orientation (sex life is under `user.health`);
 * - `user.demographic.union_membership`: trade-union membership.
 * Not marked: `user.demographic.protected_classifications` (fideslang's catch-all of US protected
 * classes, not a special category as such) and `user.children` (minors are handled by the pack's
 * `minors` rules, not by sensitivity). A pack may mark more categories sensitive, never fewer.
 */
export const SENSITIVE_CATEGORIES: readonly string[] = [
  'user.health',
  'user.biometrics',
  'user.authorization.biometrics',
  'user.criminal_history',
  'user.demographic.race_ethnicity',
  'user.demographic.religious_belief',
  'user.demographic.philosophical_belief',
  'user.demographic.political_opinion',
  'user.demographic.sexual_orientation',
  'user.demographic.union_membership',
];

interface RawCategory {
  fides_key: string;
  name: string;
  description: string;
  parent_key: string | null;
  version_added: string;
  version_deprecated: string | null;
  replaced_by: string | null;
}

function build(rows: readonly RawCategory[]): ReadonlyMap<string, DataCategory> {
  const sensitive = new Set(SENSITIVE_CATEGORIES);
  const map = new Map<string, DataCategory>();
  for (const r of rows) {
    map.set(r.fides_key, Object.freeze({
      key: r.fides_key,
      name: r.name,
      description: r.description,
      parent: r.parent_key,
      versionAdded: r.version_added,
      deprecated: r.version_deprecated && r.replaced_by ? Object.freeze({ since: r.version_deprecated, replacedBy: r.replaced_by }) : null,
      sensitive: sensitive.has(r.fides_key),
    }));
  }
  return map;
}

/** Every fideslang default data category, deprecated ones included, by key, in fideslang's order. */
export const DATA_CATEGORIES: ReadonlyMap<string, DataCategory> = build(FIDESLANG.data_category as RawCategory[]);

/** True when the key is a category of the taxonomy, current or deprecated (an alias). */
export function isKnownDataCategory(key: string): boolean {
  return DATA_CATEGORIES.has(key);
}

/**
 * The current key a category stands for: itself when current, the end of its `replaced_by` chain
 * when deprecated; null when unknown.
 */
export function resolveDataCategory(key: string): string | null {
  let current = DATA_CATEGORIES.get(key);
  const seen = new Set<string>();
  while (current && current.deprecated) {
    if (seen.has(current.key)) return null; // a cycle; the integrity test keeps the data free of them
    seen.add(current.key);
    current = DATA_CATEGORIES.get(current.deprecated.replacedBy);
  }
  return current ? current.key : null;
}

/** The key and its ancestors, nearest first, after resolving an alias; [] when unknown. */
export function lineage(key: string): string[] {
  const out: string[] = [];
  let k: string | null = resolveDataCategory(key);
  while (k !== null && !out.includes(k)) {
    out.push(k);
    k = DATA_CATEGORIES.get(k)?.parent ?? null;
  }
  return out;
}

/** True when `parent` is `child` or one of its ancestors, aliases resolved on both sides. */
export function coversDataCategory(parent: string, child: string): boolean {
  const p = resolveDataCategory(parent);
  return p !== null && lineage(child).includes(p);
}

/** True when the category (alias resolved) or any ancestor is marked sensitive. */
export function isSensitiveDataCategory(key: string): boolean {
  return lineage(key).some((k) => DATA_CATEGORIES.get(k)?.sensitive === true);
}

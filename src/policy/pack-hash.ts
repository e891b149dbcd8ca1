import { createHash } from 'node:crypto';

/**
 * The policy hash (`policy_hash` on every access-log entry, rights request and erasure receipt):
 * sha256 of the pack's RULES in a canonical form, so that it changes when what the gateway
 * enforces or states changes, and only then.
 *
 * The rules are the parsed pack (YAML comments are gone once parsed) minus what is not a rule:
 * `tests` (the pack's own decision tests) and `pack.seed` (where the policy text lies on disk).
 * Everything else is hashed, including keys added to the format later, without a list to keep up
 * to date: purposes, categories, callers, retention, minors, rights, recipients, transfers, the
 * controller's contacts, and the `cite`/`choice` texts that say why a rule is what it is.
 *
 * Canonical form: JSON with every object's keys sorted (by code point) at every depth, arrays in
 * their order (the order of purposes and categories is shown in the export), no whitespace, and
 * no member whose value is undefined. So reordering keys, switching between YAML's flow and block
 * styles, quoting, anchors, and comments leave the hash as it is.
 *
 * The file's own sha256 is kept as `fileHash` (printed by `npm run policy -- check`), to find the
 * exact file a deployment read.
 */
export const NOT_RULES: { readonly top: readonly string[]; readonly pack: readonly string[] } = { top: ['tests'], pack: ['seed'] };

/** JSON with sorted keys at every depth (Dates as ISO strings). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}

/** The pack's rules: the parsed pack without `tests` and `pack.seed`. */
export function packRules(raw: object): Record<string, unknown> {
  const rules: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!NOT_RULES.top.includes(k)) rules[k] = v;
  if (rules.pack && typeof rules.pack === 'object') {
    const pack: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rules.pack as Record<string, unknown>)) if (!NOT_RULES.pack.includes(k)) pack[k] = v;
    rules.pack = pack;
  }
  return rules;
}

/** sha256 (hex) of the canonical JSON of the pack's rules. */
export function policyHash(raw: object): string {
  return createHash('sha256').update(canonicalJson(packRules(raw))).digest('hex');
}

/** sha256 (hex) of the pack file as read. */
export function fileHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

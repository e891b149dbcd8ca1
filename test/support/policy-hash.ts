import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';

/**
 * The policy hash a pack file must have, computed here independently of src/policy/pack-hash.ts
 * (the tests' oracle): sha256 of the JSON of the parsed pack without `tests` and `pack.seed`,
 * object keys sorted at every depth, arrays in order, no whitespace.
 */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export function expectedPolicyHashOfText(text: string): string {
  const { tests: _tests, ...rules } = parseYaml(text) as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-unused-vars
  const { seed: _seed, ...pack } = rules.pack as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-unused-vars
  return createHash('sha256').update(JSON.stringify(sorted({ ...rules, pack }))).digest('hex');
}

export function expectedPolicyHash(file: string): string {
  return expectedPolicyHashOfText(fs.readFileSync(file, 'utf8'));
}

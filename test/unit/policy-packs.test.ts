import fs from 'node:fs';
import path from 'node:path';
import { loadPack } from '../../src/policy/load-pack';
import { lintPack, runPackTests } from '../../src/policy/pack-tests';
import { REASONS } from '../../src/policy/decide';
import { buildBareSchema } from '../../src/graphql/schema';
import { categoriesByType } from '../../src/graphql/plan';

/**
 * Table-driven decision tests: every pack carries its own cases as data (policies/*.yaml,
 * `tests:`), run here through the real decide(). Together they must exercise every reason code.
 */
const dir = path.resolve(__dirname, '../../policies');
const packs = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
const schemaCategories = [...new Set([...categoriesByType(buildBareSchema()).values()].flat())];

test('there are five packs, one per seed policy', () => {
  expect(packs.map((p) => path.basename(p)).sort()).toEqual(['connexion.yaml', 'smarttech.yaml', 'smsmkt.yaml', 'snshelper.yaml', 'softsq.yaml']);
});

describe.each(packs.map((p) => [path.basename(p), p]))('%s', (_name, file) => {
  const pack = loadPack(file);
  test('its own test cases pass', () => {
    const { run, failures, problems } = runPackTests(pack);
    expect({ failures, problems }).toEqual({ failures: [], problems: [] });
    expect(run).toBeGreaterThanOrEqual(10);
  });
  test('lints clean: no error (every held category has a purpose and a retention, or is not collected), no warning', () => {
    const { errors, warnings } = lintPack(pack, schemaCategories);
    expect({ errors, warnings }).toEqual({ errors: [], warnings: [] });
  });
});

test('the packs\' cases together cover every reason code, ALLOW and MASK', () => {
  const seen = new Set<string>();
  for (const file of packs) {
    for (const t of (loadPack(file).raw.tests ?? []) as { expect: Record<string, { effect: string; reason?: string }> }[]) {
      for (const e of Object.values(t.expect)) seen.add(e.reason ?? e.effect);
    }
  }
  expect([...REASONS, 'ALLOW', 'MASK'].filter((r) => !seen.has(r))).toEqual([]);
});

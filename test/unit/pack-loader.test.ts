import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPack, PackError } from '../../src/policy/load-pack';

/** A bad pack is refused with every problem named by file, line and key. */
function write(text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pack-')), 'bad.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const GOOD = fs.readFileSync(path.resolve(__dirname, '../../policies/smarttech.yaml'), 'utf8');

function problemsOf(text: string): string[] {
  try {
    loadPack(write(text));
  } catch (e) {
    if (e instanceof PackError) return e.problems.map((p) => p.replace(/^.*bad\.yaml:/, 'bad.yaml:'));
    throw e;
  }
  return [];
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

test('a valid pack loads', () => {
  expect(problemsOf(GOOD)).toEqual([]);
});

test('an unknown lawful basis names the line and key', () => {
  const text = GOOD.replace('lawful_basis: contract', 'lawful_basis: because');
  const line = lineOf(text, 'lawful_basis: because');
  expect(problemsOf(text)).toEqual([`bad.yaml:${line}: purposes[0].lawful_basis: must be equal to one of the allowed values: consent, contract, legal_obligation, legitimate_interest, vital_interest, public_task`]);
});

test('a category outside the taxonomy and a caller with an unknown purpose are both reported', () => {
  const text = GOOD.replace('categories: [identity.name, identity.date_of_birth, identity.nationality', 'categories: [identity.shoe_size, identity.date_of_birth, identity.nationality')
    .replace('purposes: [marketing], roles: [service]', 'purposes: [astrology], roles: [service]');
  expect(problemsOf(text)).toEqual([
    `bad.yaml:${lineOf(text, 'identity.shoe_size')}: purposes[0].categories[0]: "identity.shoe_size" is not in the taxonomy`,
    `bad.yaml:${lineOf(text, 'astrology')}: callers[2].purposes[0]: unknown purpose "astrology"`,
  ]);
});

test('YAML syntax errors name the line', () => {
  expect(problemsOf('pack:\n  id: x\n  title: [unclosed\n')).toEqual([expect.stringMatching(/^bad\.yaml:\d+: YAML: /)]);
});

test('a data_use outside fideslang, or deprecated there, names the line and key', () => {
  const text = GOOD.replace('data_use: essential.service.payment_processing', 'data_use: essential.payments')
    .replace('data_use: functional.service.improve', 'data_use: personalize.profiling');
  expect(problemsOf(text)).toEqual([
    `bad.yaml:${lineOf(text, 'data_use: personalize.profiling')}: purposes[2].data_use: "personalize.profiling" is deprecated in fideslang 2.1.1: use "personalize.content.profiling"`,
    `bad.yaml:${lineOf(text, 'data_use: essential.payments')}: purposes[7].data_use: "essential.payments" is not a fideslang data use (src/catalog/fideslang-data-uses.json)`,
  ]);
});

test('data_use is optional and read onto the purpose', () => {
  const without = GOOD.replace('    data_use: essential.service.payment_processing\n', '');
  const file = write(without);
  expect(loadPack(file).purposes.payment.dataUse).toBeNull();
  expect(loadPack(path.resolve(__dirname, '../../policies/smarttech.yaml')).purposes.payment.dataUse).toBe('essential.service.payment_processing');
});

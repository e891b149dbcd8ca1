import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { loadPack } from '../../src/policy/load-pack';
import { categoryRetention } from '../../src/policy/retention';
import { PolicyPack, Purpose } from '../../src/policy/pack.types';
import { expectedPolicyHashOfText } from '../support/policy-hash';

/**
 * Issue 14, item 5: how long a category is kept is one rule (src/policy/retention.ts) that the
 * retention sweep applies and the subject export states; a category a pack holds (declares, or
 * the gateway's stores hold) that no purpose but the rights-administration ones covers, and that
 * the pack does not list under `not_collected`, fails `npm run policy -- check`.
 */
const ROOT = path.resolve(__dirname, '../..');
const NOW = new Date('2026-03-15T12:00:00Z');
const years = (n: number) => ({ iso: `P${n}Y`, years: n, months: 0, days: 0 });

describe('categoryRetention: what the sweep does with a category, and which purpose sets it', () => {
  const smarttech = loadPack(path.join(ROOT, 'policies/smarttech.yaml'));

  test('the longest retention of the purposes covering it; data_subject_request (P10Y) and consent_management (P10Y) do not count', () => {
    expect(categoryRetention(smarttech, 'identity.name', NOW)).toEqual({
      category: 'identity.name', rule: 'retention', purpose: 'account_management', retention: years(5), cutoff: new Date('2021-03-15T12:00:00Z'),
      purposes: [
        { purpose: 'account_management', retention: years(5) }, { purpose: 'order_delivery', retention: years(2) },
        { purpose: 'internal_administration', retention: years(2) }, { purpose: 'marketing', retention: years(2) },
        { purpose: 'after_sales', retention: years(2) }, { purpose: 'feedback', retention: years(1) }, { purpose: 'payment', retention: years(2) },
        { purpose: 'terms_compliance', retention: years(1) }, { purpose: 'legal_compliance', retention: years(5) },
      ],
    });
    // Held by the stores, once kept forever with a warning: now the after-sales service's, 2 years.
    expect(categoryRetention(smarttech, 'communication.chat', NOW)).toEqual({
      category: 'communication.chat', rule: 'retention', purpose: 'after_sales', retention: years(2), cutoff: new Date('2024-03-15T12:00:00Z'),
      purposes: [{ purpose: 'after_sales', retention: years(2) }],
    });
  });

  test('a category the policy does not collect: every record is past (cutoff = now)', () => {
    expect(categoryRetention(smarttech, 'health.declaration', NOW)).toEqual({
      category: 'health.declaration', rule: 'not_collected', purpose: null, retention: null, cutoff: NOW, purposes: [],
    });
  });

  test('a purpose without a retention keeps it without limit; a category nothing covers is kept and flagged no_purpose', () => {
    const purpose = (key: string, categories: string[], retentionDefault: ReturnType<typeof years> | null): Purpose => ({
      key, description: key, lawfulBasis: 'contract', directMarketing: false, categories, retentionDefault, retention: {}, masking: {}, consentValidity: null, cite: null,
    });
    const pack = {
      categories: {}, notCollected: [],
      purposes: { a: purpose('a', ['contact'], years(1)), b: purpose('b', ['contact.email'], null), data_subject_request: purpose('data_subject_request', ['identity'], years(10)) },
    } as unknown as PolicyPack;
    expect(categoryRetention(pack, 'contact.email', NOW)).toEqual({
      category: 'contact.email', rule: 'no_limit', purpose: 'b', retention: null, cutoff: null,
      purposes: [{ purpose: 'a', retention: years(1) }, { purpose: 'b', retention: null }],
    });
    expect(categoryRetention(pack, 'identity.gender', NOW)).toEqual({ category: 'identity.gender', rule: 'no_purpose', purpose: null, retention: null, cutoff: null, purposes: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// npm run policy -- check
// ---------------------------------------------------------------------------------------------

/** A small pack: one purpose covering every branch the stores hold, health not collected. */
const TINY = `pack: { id: tiny, title: Tiny test pack }
controller: { name: Tiny Co., contact: { email: privacy@tiny.example }, dpo: { email: dpo@tiny.example } }
regulator: { name: PDPC, contact: "https://www.pdpc.or.th" }
rights: { response_deadline: P30D, granted: [access] }
categories:
  - { key: identity }
  - { key: contact }
  - { key: account }
  - { key: technical }
  - { key: financial }
  - { key: communication }
  - { key: work.occupation, cite: "s.3" }
not_collected:
  - { key: health, cite: "not in the policy" }
minors: { age: 20, without_guardian_consent: restrict }
purposes:
  - { key: service, description: Service, lawful_basis: contract, categories: [identity, contact, account, technical, financial, communication], retention: { default: P1Y } }
  - { key: data_subject_request, description: Requests, lawful_basis: legal_obligation, categories: [identity, contact, account, technical, financial, communication, work], retention: { default: P10Y } }
callers:
  - { id: dpo-console, purposes: [data_subject_request], roles: [dpo] }
`;

function write(name: string, text: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pack-')), name);
  fs.writeFileSync(file, text);
  return file;
}

/** `npm run policy -- check` as the CLI runs it, from source. */
function check(files: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/policy.ts', 'check', ...files], {
      cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.jest.json', VERBOSE: '' }, timeout: 120_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe('npm run policy -- check: every held category has a purpose and a retention, or is listed as not collected', () => {
  const FIX = 'fix: add it to the categories of the purpose that uses it, with a retention, or list it under not_collected (with a cite) if the policy does not collect it';
  const uncovered = (file: string, category: string, where: string) => `  error: ${path.relative(ROOT, file)}: category "${category}" (${where}) is covered by no purpose `
    + `other than data_subject_request and consent_management, so the retention sweep would keep it forever; ${FIX}`;
  // work.occupation (service) and work (data_subject_request) are in no store: notes, which do not fail.
  const notes = (n: number) => `  ${n} notes (categories held outside the gateway's stores; VERBOSE=1 lists them)`;
  const hashLine = (text: string) => `  policy hash ${expectedPolicyHashOfText(text)} (rules), file sha256 ${createHash('sha256').update(text).digest('hex')}`;

  test('a declared category, or one the stores hold, that only the rights-administration purposes cover fails, naming file, category and fix', async () => {
    const declared = write('declared.yaml', TINY);
    const storeText = TINY.replace('  - { key: work.occupation, cite: "s.3" }\n', '').replace(', work]', ']').replace('not_collected:\n  - { key: health, cite: "not in the policy" }\n', '');
    const store = write('store.yaml', storeText);
    const contraText = TINY.replace('[identity, contact, account, technical, financial, communication], retention: { default: P1Y }', '[identity, contact, account, technical, financial, communication, work.occupation], retention: { default: P1Y }')
      .replace('  - { key: health, cite: "not in the policy" }\n', '  - { key: health, cite: "not in the policy" }\n  - { key: contact.email, cite: "not in the policy" }\n');
    const contra = write('contra.yaml', contraText);
    const fixedText = TINY.replace('[identity, contact, account, technical, financial, communication], retention: { default: P1Y }', '[identity, contact, account, technical, financial, communication, work.occupation], retention: { default: P1Y }');
    const fixed = write('fixed.yaml', fixedText);
    const r = await check([declared, store, contra, fixed]);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout.split('\n') }).toEqual({
      code: 1, stderr: '',
      stdout: [
        `FAIL ${declared} (tiny): 2 purposes, 0 expectations, 0 failed, 1 errors, 0 lint`,
        hashLine(TINY),
        uncovered(declared, 'work.occupation', 'declared under categories'),
        notes(1),
        `FAIL ${store} (tiny): 2 purposes, 0 expectations, 0 failed, 1 errors, 0 lint`,
        hashLine(storeText),
        uncovered(store, 'health.declaration', 'held by the store table crm.health_declarations'),
        `FAIL ${contra} (tiny): 2 purposes, 0 expectations, 0 failed, 2 errors, 0 lint`,
        hashLine(contraText),
        `  error: ${path.relative(ROOT, contra)}: not_collected "contact.email" overlaps "contact" declared under categories; fix: a category the policy collects needs a purpose, so remove it from one of the two lists`,
        `  error: ${path.relative(ROOT, contra)}: not_collected "contact.email" is used by purpose "service"; fix: remove it from not_collected, or from the purpose's categories`,
        notes(2),
        `ok   ${fixed} (tiny): 2 purposes, 0 expectations, 0 failed, 0 errors, 0 lint`,
        hashLine(fixedText),
        notes(2),
        '',
      ],
    });
  });

  test('the five packs pass', async () => {
    const packs = ['connexion', 'smarttech', 'smsmkt', 'snshelper', 'softsq'].map((p) => `policies/${p}.yaml`);
    const r = await check(packs);
    const results = r.stdout.split('\n').filter((l) => /^(ok|FAIL)/.test(l));
    expect({ code: r.code, results: results.map((l) => l.replace(/: \d+ purposes, \d+ expectations/, '')), errors: r.stdout.split('\n').filter((l) => l.startsWith('  error:')) }).toEqual({
      code: 0,
      results: packs.map((p) => `ok   ${p} (${path.basename(p, '.yaml')}), 0 failed, 0 errors, 0 lint`),
      errors: [],
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Item 7: the policy hash is the rules', not the file's
// ---------------------------------------------------------------------------------------------

describe('the policy hash: the pack\'s rules in canonical form, not its tests or comments', () => {
  const TEXT = fs.readFileSync(path.join(ROOT, 'policies/smarttech.yaml'), 'utf8');
  const hashes = (text: string) => {
    const p = loadPack(write('smarttech.yaml', text));
    return { hash: p.hash, fileHash: p.fileHash };
  };
  const base = hashes(TEXT);
  const TEST_CASE = `  - name: "An added case"
    caller: crm-service
    purpose: account_management
    now: 2026-01-15T00:00:00Z
    subject: { date_of_birth: 1990-01-01 }
    expect:
      identity.name: { effect: ALLOW }
`;

  test('is sha256 of the sorted-key JSON of the parsed pack without tests and seed; the file\'s own sha256 is fileHash', () => {
    expect(base).toEqual({ hash: expectedPolicyHashOfText(TEXT), fileHash: createHash('sha256').update(TEXT).digest('hex') });
  });

  test('a new test case, a comment, the seed path, key order and YAML style leave it; the file hash changes', () => {
    const variants = [
      `${TEXT.trimEnd()}\n${TEST_CASE}`,
      `# reviewed by the DPO on 2026-03-01\n${TEXT.replace('purposes:\n', 'purposes:   # each with its basis\n')}`,
      TEXT.replace(/^  seed: .*$/m, '  seed: ../elsewhere/001.txt'),
      TEXT.replace(/^ {2}- \{ key: identity\.name, cite: (".*") \}$/m, '  - { cite: $1, key: identity.name }'),
      TEXT.replace('    retention: { default: P5Y }\n    cite: "การประมวลผลข้อมูลส่วนบุคคล (เพื่อสร้าง', '    retention:\n      default: "P5Y"\n    cite: "การประมวลผลข้อมูลส่วนบุคคล (เพื่อสร้าง'),
    ];
    for (const v of variants) {
      expect(v).not.toBe(TEXT);
      const h = hashes(v);
      expect(h.hash).toBe(base.hash);
      expect(h.fileHash).not.toBe(base.fileHash);
    }
  });

  test('a changed retention, category or caller changes it', () => {
    const variants = [
      TEXT.replace('    retention: { default: P5Y }\n    cite: "การประมวลผลข้อมูลส่วนบุคคล (เพื่อสร้าง', '    retention: { default: P4Y }\n    cite: "การประมวลผลข้อมูลส่วนบุคคล (เพื่อสร้าง'),
      TEXT.replace('{ id: marketing-service, purposes: [marketing]', '{ id: marketing-service, purposes: [marketing, feedback]'),
      TEXT.replace('  - { key: identity.gender, cite:', '  - { key: identity.passport, cite: "x" }\n  - { key: identity.gender, cite:'),
    ];
    for (const v of variants) {
      expect(v).not.toBe(TEXT);
      expect(hashes(v).hash).not.toBe(base.hash);
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { decide, Decision } from '../../src/policy/decide';
import { foldCustomerState, StateEvent } from '../../src/policy/customer-state';
import { loadPack, PackError } from '../../src/policy/load-pack';
import { PolicyPack } from '../../src/policy/pack.types';
import { dueFor, legalHold, Sql } from '../../src/rights/retention-sweep-plan';
import { PERSONAL_TABLES } from '../../src/rights/retention-sweep-tables';

/**
 * Issue 14, items 4 and 6, through decide() and the pack loader (pure rules):
 * - legal holds per record: after an erasure a legal-obligation purpose sees, and the erasure and
 *   the sweep keep, only the categories its `kept_after_erasure` names (SMSMKT's tax invoicing
 *   covers the e-mail and phone to send the invoice, and no longer keeps them);
 * - minors for all processing: with `minors.applies_to: all` (Soft SQ §8) a child under the age
 *   whose data is held without any guardian's consent is denied every purpose but the legal ones.
 * Expected decisions are written out from policies/FORMAT.md and the packs, never from decide().
 */
const POLICIES = path.resolve(__dirname, '../../policies');
const smsmkt = loadPack(path.join(POLICIES, 'smsmkt.yaml'));
const softsq = loadPack(path.join(POLICIES, 'softsq.yaml'));

const NOW = new Date('2026-08-01T00:00:00Z');
const COLLECTED = new Date('2026-01-10T00:00:00Z');
const allow = (purpose: string): Decision => ({ effect: 'ALLOW', reason: null, rule: `purposes.${purpose}.lawful_basis` });
const erased: Decision = { effect: 'DENY', reason: 'SUBJECT_ERASED', rule: 'erasure' };
const notIn = (purpose: string): Decision => ({ effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: `purposes.${purpose}.categories` });
const guardian: Decision = { effect: 'DENY', reason: 'GUARDIAN_CONSENT_REQUIRED', rule: 'minors.applies_to' };

function decisions(pack: PolicyPack, purpose: string, dob: string, events: StateEvent[], categories: string[], now = NOW): Record<string, Decision> {
  const state = foldCustomerState('c1', dob, events, now);
  return Object.fromEntries(categories.map((category) => [category, decide({ pack, purpose: pack.purposes[purpose], category, state, recordCollectedAt: COLLECTED, now })]));
}
const erasure: StateEvent = { kind: 'erasure', at: new Date('2026-07-01T00:00:00Z') };
const consent = (purpose: string, givenBy: 'subject' | 'guardian', action: 'grant' | 'withdraw' = 'grant', at = '2026-02-01T00:00:00Z'): StateEvent => ({
  kind: 'consent', at: new Date(at), purpose, action, givenBy, explicit: false, expiresAt: null,
});

describe('item 4: after an erasure a legal obligation keeps what it names, not every category it covers', () => {
  const TAX = ['financial.invoice', 'financial.tax_id', 'financial.order', 'contact.email', 'contact.phone', 'contact.address', 'identity.name', 'identity.national_id', 'work.employer', 'financial.bank_account'];

  test('SMSMKT tax invoicing: the invoice, its tax ID and its order stay; the e-mail and phone it was sent to do not', () => {
    expect(decisions(smsmkt, 'tax_invoicing', '1975-03-03', [erasure], TAX)).toEqual({
      'financial.invoice': allow('tax_invoicing'),
      'financial.tax_id': allow('tax_invoicing'),
      'financial.order': allow('tax_invoicing'),
      'contact.email': erased,
      'contact.phone': erased,
      'contact.address': erased,
      // The anonymised customer record is not claimed to be kept: its identity is denied.
      'identity.name': erased,
      'identity.national_id': erased,
      'work.employer': erased,
      'financial.bank_account': notIn('tax_invoicing'),
    });
  });

  test('before the erasure the same purpose still sends the invoice to the e-mail and phone', () => {
    expect(decisions(smsmkt, 'tax_invoicing', '1975-03-03', [], ['contact.email', 'contact.phone', 'identity.name'])).toEqual({
      'contact.email': allow('tax_invoicing'), 'contact.phone': allow('tax_invoicing'), 'identity.name': allow('tax_invoicing'),
    });
  });

  test('rights administration sees after an erasure exactly what the legal holds keep; other purposes nothing', () => {
    expect(decisions(smsmkt, 'data_subject_request', '1975-03-03', [erasure], ['financial.invoice', 'financial.order', 'contact.email', 'identity.name', 'financial.bank_account'])).toEqual({
      'financial.invoice': allow('data_subject_request'),
      'financial.order': allow('data_subject_request'),
      'contact.email': erased,
      'identity.name': erased,
      'financial.bank_account': erased,
    });
    expect(decisions(smsmkt, 'consent_management', '1975-03-03', [erasure], ['identity.name'])).toEqual({ 'identity.name': erased });
    expect(decisions(smsmkt, 'payment', '1975-03-03', [erasure], ['financial.order'])).toEqual({ 'financial.order': erased });
  });

  test('the erasure and the sweep use the same holds: an e-mail has none, an invoice is kept until collected + 5 years', () => {
    const hold = (category: string) => {
      const h = legalHold(smsmkt, category, COLLECTED, NOW);
      return h && { purpose: h.purpose.key, retention: h.retention?.iso ?? null, until: h.until?.toISOString() ?? null };
    };
    expect(['contact.email', 'contact.phone', 'financial.invoice', 'financial.tax_id', 'financial.order'].map(hold)).toEqual([
      null, null,
      { purpose: 'tax_invoicing', retention: 'P5Y', until: '2031-01-10T00:00:00.000Z' },
      { purpose: 'tax_invoicing', retention: 'P5Y', until: '2031-01-10T00:00:00.000Z' },
      { purpose: 'tax_invoicing', retention: 'P5Y', until: '2031-01-10T00:00:00.000Z' },
    ]);
    // The sweep: an erased customer's e-mails go whatever their age; their invoices once past 5 years.
    const cond = (table: string) => {
      const sql = new Sql();
      const t = PERSONAL_TABLES.find((x) => x.table === table)!;
      return { cond: dueFor(smsmkt, t, NOW, ['c1']).cond(sql, 't'), params: sql.params };
    };
    const fiveYearsAgo = new Date('2021-08-01T00:00:00Z');
    expect(cond('emails')).toEqual({ cond: '(t.collected_at <= $1 OR t.customer_id = ANY($2::text[]))', params: [fiveYearsAgo, ['c1']] });
    expect(cond('invoices')).toEqual({
      cond: '(t.collected_at <= $1 OR (t.customer_id = ANY($2::text[]) AND t.collected_at <= $3))', params: [fiveYearsAgo, ['c1'], fiveYearsAgo],
    });
  });

  test('each of the five packs names what its legal obligations keep, and keeps no contact data after an erasure', () => {
    const kept: Record<string, Record<string, readonly string[] | undefined>> = {};
    const unnamed: string[] = [];
    for (const f of fs.readdirSync(POLICIES).filter((x) => x.endsWith('.yaml')).sort()) {
      const pack = loadPack(path.join(POLICIES, f));
      kept[pack.id] = Object.fromEntries(Object.values(pack.purposes).filter((p) => p.keptAfterErasure?.length).map((p) => [p.key, p.keptAfterErasure]));
      // Every legal obligation says what it keeps, in the file ([] for nothing), except rights administration.
      for (const p of pack.raw.purposes as { key: string; lawful_basis: string; kept_after_erasure?: string[] }[]) {
        const admin = ['data_subject_request', 'consent_management'].includes(p.key);
        if (p.lawful_basis === 'legal_obligation' && (p.kept_after_erasure === undefined) !== admin) unnamed.push(`${pack.id}.${p.key}`);
      }
    }
    expect(unnamed).toEqual([]);
    const TAX_RECORDS = ['financial.invoice', 'financial.tax_id', 'financial.order'];
    expect(kept).toEqual({
      connexion: { legal_compliance: TAX_RECORDS },
      smarttech: { legal_compliance: TAX_RECORDS },
      smsmkt: { tax_invoicing: TAX_RECORDS },
      snshelper: {
        ecommerce_records: ['financial.invoice', 'financial.order'],
        complaint_records: ['communication.support_ticket', 'communication.chat'],
        login_records: ['technical.ip_address', 'technical.activity_time', 'technical.user_agent'],
      },
      softsq: { legal_obligations: TAX_RECORDS },
    });
  });
});

describe('item 4: the loader refuses a legal hold that is missing or claims too much, naming file, line and key', () => {
  const TEXT = fs.readFileSync(path.join(POLICIES, 'smsmkt.yaml'), 'utf8');
  const index = (key: string) => (parseYaml(TEXT) as { purposes: { key: string }[] }).purposes.findIndex((p) => p.key === key);
  function problemsOf(text: string): string[] {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pack-')), 'bad.yaml');
    fs.writeFileSync(file, text);
    try {
      loadPack(file);
    } catch (e) {
      if (e instanceof PackError) return e.problems.map((p) => p.replace(/^.*bad\.yaml:/, 'bad.yaml:'));
      throw e;
    }
    return [];
  }
  const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  const KEPT = '    kept_after_erasure: [financial.invoice, financial.tax_id, financial.order]\n';

  test('a legal-obligation purpose that does not say what it keeps', () => {
    expect(TEXT.split(KEPT)).toHaveLength(2);
    const text = TEXT.replace(KEPT, '');
    expect(problemsOf(text)).toEqual([
      `bad.yaml:${lineOf(text, 'key: tax_invoicing')}: purposes[${index('tax_invoicing')}].kept_after_erasure: a legal_obligation purpose must name the categories whose records it keeps after an erasure ([] for none)`,
    ]);
  });

  test('a category outside the purpose, the customer record\'s identity, an unknown category; a hold on a contract purpose and on rights administration', () => {
    const text = TEXT.replace(KEPT, '    kept_after_erasure: [financial.invoice, financial.bank_account, identity.name, identity, financial.receipt]\n')
      .replace('    retention: { default: P2Y }\n    cite: "2.3; 4.2"', '    retention: { default: P2Y }\n    kept_after_erasure: [financial.order]\n    cite: "2.3; 4.2"')
      .replace('    retention: { default: P10Y }\n    cite: "บทนำ', '    retention: { default: P10Y }\n    kept_after_erasure: [financial.invoice]\n    cite: "บทนำ');
    const kept = lineOf(text, 'financial.bank_account, identity.name');
    const t = `purposes[${index('tax_invoicing')}].kept_after_erasure`;
    expect(problemsOf(text)).toEqual([
      `bad.yaml:${lineOf(text, 'kept_after_erasure: [financial.order]')}: purposes[${index('order_processing')}].kept_after_erasure: only a legal_obligation purpose keeps records after an erasure, not contract`,
      `bad.yaml:${kept}: ${t}[1]: "financial.bank_account" is not among the purpose's categories`,
      `bad.yaml:${kept}: ${t}[2]: "identity.name" covers the customer record's identity, which an erasure always anonymises; a kept invoice keeps the billing name, address and tax ID (financial.invoice, financial.tax_id)`,
      `bad.yaml:${kept}: ${t}[3]: "identity" is not among the purpose's categories`,
      `bad.yaml:${kept}: ${t}[4]: "financial.receipt" is not in the taxonomy`,
      `bad.yaml:${lineOf(text, 'kept_after_erasure: [financial.invoice]')}: purposes[${index('data_subject_request')}].kept_after_erasure: data_subject_request keeps nothing itself: after an erasure it sees what the pack's legal holds keep`,
    ]);
  });

  test('minors.applies_to takes consent or all only', () => {
    const text = TEXT.replace('  applies_to: consent ', '  applies_to: some ');
    expect(problemsOf(text)).toEqual([`bad.yaml:${lineOf(text, 'applies_to: some')}: minors.applies_to: must be equal to one of the allowed values: consent, all`]);
  });
});

describe('item 6: minors.applies_to: all (Soft SQ §8) covers every purpose but the legal ones', () => {
  const CHILD = '2011-06-30'; // 15 on 2026-08-01
  test('a child registered with no consent on record: contract and legitimate-interest purposes are denied; legal obligations and the DPO are not', () => {
    expect({
      user_registration: decisions(softsq, 'user_registration', CHILD, [], ['identity.name', 'contact.email', 'account.username']),
      security: decisions(softsq, 'security', CHILD, [], ['technical.ip_address']),
      marketing_communications: decisions(softsq, 'marketing_communications', CHILD, [], ['contact.email']),
      legal_obligations: decisions(softsq, 'legal_obligations', CHILD, [], ['financial.invoice', 'identity.name']),
      data_subject_request: decisions(softsq, 'data_subject_request', CHILD, [], ['identity.name']),
    }).toEqual({
      user_registration: { 'identity.name': guardian, 'contact.email': guardian, 'account.username': guardian },
      security: { 'technical.ip_address': guardian },
      marketing_communications: { 'contact.email': { effect: 'DENY', reason: 'NO_CONSENT', rule: 'purposes.marketing_communications.lawful_basis' } },
      legal_obligations: { 'financial.invoice': allow('legal_obligations'), 'identity.name': allow('legal_obligations') },
      data_subject_request: { 'identity.name': allow('data_subject_request') },
    });
  });

  test('the child\'s own consent is not a parent\'s; a parent\'s consent on record (even withdrawn later) is', () => {
    expect(decisions(softsq, 'user_registration', CHILD, [consent('marketing_communications', 'subject')], ['identity.name'])).toEqual({ 'identity.name': guardian });
    const parent = [consent('surveys_research', 'guardian'), consent('surveys_research', 'guardian', 'withdraw', '2026-03-01T00:00:00Z')];
    expect({
      user_registration: decisions(softsq, 'user_registration', CHILD, parent, ['identity.name']),
      surveys_research: decisions(softsq, 'surveys_research', CHILD, parent, ['identity.name']),
    }).toEqual({
      user_registration: { 'identity.name': allow('user_registration') },
      surveys_research: { 'identity.name': { effect: 'DENY', reason: 'CONSENT_WITHDRAWN', rule: 'purposes.surveys_research.lawful_basis' } },
    });
  });

  test('from the 16th birthday the rule no longer applies; nor without a date of birth', () => {
    expect(decisions(softsq, 'user_registration', '2010-08-01', [], ['identity.name'])).toEqual({ 'identity.name': allow('user_registration') });
    expect(decisions(softsq, 'user_registration', '2010-08-02', [], ['identity.name'])).toEqual({ 'identity.name': guardian });
    const state = foldCustomerState('c1', null, [], NOW);
    expect(decide({ pack: softsq, purpose: softsq.purposes.user_registration, category: 'identity.name', state, recordCollectedAt: COLLECTED, now: NOW })).toEqual(allow('user_registration'));
  });

  test('vital interests are never stopped; applies_to: consent (SMSMKT, PDPA s.20) leaves a minor\'s contract alone', () => {
    const vital = { ...softsq.purposes.user_registration, key: 'emergency', lawfulBasis: 'vital_interest' as const };
    const pack: PolicyPack = { ...softsq, purposes: { ...softsq.purposes, emergency: vital } };
    expect(decisions(pack, 'emergency', CHILD, [], ['contact.phone'])).toEqual({ 'contact.phone': allow('emergency') });
    expect(smsmkt.minors).toEqual({ age: 20, withoutGuardianConsent: 'restrict', appliesTo: 'consent' });
    expect(decisions(smsmkt, 'order_processing', CHILD, [], ['identity.name', 'financial.order'])).toEqual({
      'identity.name': allow('order_processing'), 'financial.order': allow('order_processing'),
    });
  });
});

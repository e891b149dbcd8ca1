import { SOURCES } from '../../src/stores/provenance';
import { ageOn } from '../../src/stores/demo/clock';
import { thaiIdCheckDigit } from '../../src/stores/demo/generate-person';
import { customerId, generateCustomer, startOfUtcDay } from '../../src/stores/demo/generator';
import { Provenanced, SeedSubject } from '../../src/stores/demo/types';
import { parseSeedArgs, UsageError } from '../../src/cli/seed';

const NOW = new Date('2026-01-01T00:00:00Z');
const PURPOSES = ['marketing', 'newsletter'];
const N = 2000;
const subjects: SeedSubject[] = Array.from({ length: N }, (_, i) => generateCustomer(i, 7, NOW, PURPOSES));

/** Every row of a subject with provenance, labelled by table. */
function provenanced(s: SeedSubject): [string, Provenanced][] {
  const rows: [string, readonly Provenanced[]][] = [
    ['customers', [s.customer]],
    ['emails', s.crm.emails],
    ['phones', s.crm.phones],
    ['postal_addresses', s.crm.postalAddresses],
    ['social_accounts', s.crm.socialAccounts],
    ['accounts', [s.crm.account]],
    ['login_events', s.crm.loginEvents],
    ['communications', s.crm.communications],
    ['call_logs', s.crm.callLogs],
    ['health_declarations', s.crm.healthDeclarations],
    ['bank_accounts', s.billing.bankAccounts],
    ['payment_cards', s.billing.paymentCards],
    ['orders', s.billing.orders],
    ['invoices', s.billing.orders.flatMap((o) => (o.invoice ? [o.invoice] : []))],
  ];
  return rows.flatMap(([table, rs]) => rs.map((r): [string, Provenanced] => [table, r]));
}

describe('synthetic data generator', () => {
  test('is deterministic: same (index, seed, now) gives byte-identical output', () => {
    for (const i of [0, 1, 17, 1999]) {
      const again = generateCustomer(i, 7, new Date(NOW.getTime()), PURPOSES);
      expect(again).toEqual(subjects[i]);
      expect(JSON.stringify(again)).toBe(JSON.stringify(subjects[i]));
    }
  });

  test('different seeds give different ids and different data', () => {
    const a = generateCustomer(0, 1, NOW);
    const b = generateCustomer(0, 2, NOW);
    expect(a.customer.id).toBe('cus_1_000001');
    expect(b.customer.id).toBe('cus_2_000001');
    expect(a.crm.account.username).not.toBe(b.crm.account.username);
    expect(JSON.stringify({ ...a, customer: { ...a.customer, id: '' } })).not.toBe(JSON.stringify({ ...b, customer: { ...b.customer, id: '' } }));
    expect(customerId(123455, 9)).toBe('cus_9_123456');
  });

  test('consent purposes do not change the other data', () => {
    const without = generateCustomer(5, 7, NOW, []);
    expect({ ...without, gateway: null }).toEqual({ ...subjects[5], gateway: null });
  });

  test('about 10% are minors under 20 and about 3% under 16', () => {
    const ages = subjects.map((s) => ageOn(s.customer.dateOfBirth, NOW));
    const under20 = ages.filter((a) => a < 20).length / N;
    const under16 = ages.filter((a) => a < 16).length / N;
    expect(under20).toBeGreaterThan(0.07);
    expect(under20).toBeLessThan(0.13);
    expect(under16).toBeGreaterThan(0.015);
    expect(under16).toBeLessThan(0.05);
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(13);
  });

  test('Thai customers have a valid 13-digit national ID, foreigners a passport', () => {
    let thai = 0;
    for (const { customer: c } of subjects) {
      if (c.nationality === 'TH') {
        thai++;
        expect(c.nationalId).toMatch(/^\d{13}$/);
        expect(c.nationalId!.slice(12)).toBe(thaiIdCheckDigit(c.nationalId!.slice(0, 12)));
      } else {
        expect(c.nationalId).toBeNull();
        expect(c.passportNumber).toMatch(/^[A-Z0-9]{8,9}$/);
      }
    }
    expect(thai / N).toBeGreaterThan(0.7);
    expect(thai).toBeLessThan(N);
    // Worked by hand: weights 13..2 over 110170023070 sum to 146; 146 mod 11 = 3; 11 - 3 = 8.
    expect(thaiIdCheckDigit('110170023070')).toBe('8');
  });

  test('every record has a known source and was collected at or before now, ages varied up to ~8 years', () => {
    const sources = new Set<string>(SOURCES);
    const nowIso = NOW.toISOString();
    let oldest = nowIso;
    let newest = '';
    const seen = new Set<string>();
    const bad: string[] = []; // one expect at the end: 60k expects would take seconds
    for (const s of subjects) {
      for (const [table, r] of provenanced(s)) {
        if (!sources.has(r.source)) bad.push(`${s.customer.id} ${table}: source ${r.source}`);
        if (!(r.collectedAt <= nowIso)) bad.push(`${s.customer.id} ${table}: collected after now`);
        if (!(r.collectedAt >= s.customer.collectedAt)) bad.push(`${s.customer.id} ${table}: collected before sign-up`);
        if (r.collectedAt < oldest) oldest = r.collectedAt;
        if (r.collectedAt > newest) newest = r.collectedAt;
        seen.add(`${table}:${r.source}`);
      }
      for (const e of s.gateway.consentEvents) if (!(e.recordedAt <= nowIso)) bad.push(`${s.customer.id} consent after now`);
    }
    expect(bad).toEqual([]);
    expect(Date.parse(oldest)).toBeLessThan(NOW.getTime() - 7 * 365 * 86400e3);
    expect(Date.parse(newest)).toBeGreaterThan(NOW.getTime() - 30 * 86400e3);
    for (const expected of ['login_events:automatic', 'communications:support', 'call_logs:support', 'health_declarations:office_visit', 'orders:checkout', 'invoices:checkout', 'customers:purchased_list', 'customers:public_source']) {
      expect(seen).toContain(expected);
    }
    for (const t of ['login_events', 'health_declarations', 'orders', 'invoices', 'bank_accounts', 'payment_cards']) {
      expect([...seen].filter((k) => k.startsWith(`${t}:`)).length).toBe(1);
    }
  });

  test('shapes fit the schema: unique usernames and invoice numbers, last4, temperatures, logins in 2 years', () => {
    const usernames = new Set(subjects.map((s) => s.crm.account.username));
    expect(usernames.size).toBe(N);
    const invoices = subjects.flatMap((s) => s.billing.orders.flatMap((o) => (o.invoice ? [o.invoice.invoiceNumber] : [])));
    expect(new Set(invoices).size).toBe(invoices.length);
    const orders = subjects.flatMap((s) => s.billing.orders);
    expect(invoices.length / orders.length).toBeGreaterThan(0.5);
    expect(invoices.length / orders.length).toBeLessThan(0.7);
    const bad: string[] = [];
    const twoYearsAgo = NOW.getTime() - 2 * 365.25 * 86400e3;
    for (const s of subjects) {
      const id = s.customer.id;
      const { emails, phones, postalAddresses, loginEvents, healthDeclarations, communications } = s.crm;
      if (emails.length < 1 || emails.length > 2 || phones.length < 1 || phones.length > 2 || postalAddresses.length !== 1) bad.push(`${id}: contact counts`);
      if (loginEvents.length > 20 || loginEvents.some((l) => Date.parse(l.occurredAt) < twoYearsAgo)) bad.push(`${id}: logins`);
      if (s.billing.paymentCards.some((c) => !/^\d{4}$/.test(c.last4) || !/^tok_[A-Za-z0-9]{24}$/.test(c.token))) bad.push(`${id}: card`);
      if (s.billing.orders.length > 15 || s.crm.communications.length > 5 || s.crm.callLogs.length > 4) bad.push(`${id}: counts`);
      if (healthDeclarations.some((h) => Number(h.temperatureC) < 35.8 || Number(h.temperatureC) > 38.5)) bad.push(`${id}: temperature`);
      // Bodies are templates: no other personal value of the customer leaks into them.
      const values = [s.customer.firstName, s.customer.lastName, ...emails.map((e) => e.address), ...phones.map((p) => p.number)];
      if (communications.some((c) => values.some((v) => c.body.includes(v)))) bad.push(`${id}: body leaks a personal value`);
    }
    expect(bad).toEqual([]);
    const withHealth = subjects.filter((s) => s.crm.healthDeclarations.length > 0).length / N;
    expect(withHealth).toBeGreaterThan(0.1);
    expect(withHealth).toBeLessThan(0.2);
  });

  test('consents: guardians for minors, subjects for adults, some withdrawals and expired grants', () => {
    const events = subjects.flatMap((s) => s.gateway.consentEvents.map((e) => ({ e, minor: ageOn(s.customer.dateOfBirth, NOW) < 20 })));
    const grants = events.filter(({ e }) => e.action === 'grant');
    expect(grants.every(({ e, minor }) => e.givenBy === (minor ? 'guardian' : 'subject'))).toBe(true);
    expect(grants.some(({ minor }) => minor)).toBe(true);
    expect(events.some(({ e }) => e.action === 'withdraw')).toBe(true);
    expect(grants.some(({ e }) => e.expiresAt !== null && e.expiresAt < NOW.toISOString())).toBe(true);
    expect(events.every(({ e }) => e.recordedBy === 'seed' && e.source === 'signup_form')).toBe(true);
    const adults = subjects.filter((s) => ageOn(s.customer.dateOfBirth, NOW) >= 20).length;
    const adultGrants = grants.filter(({ minor, e }) => !minor && e.purpose === 'marketing').length / adults;
    expect(adultGrants).toBeGreaterThan(0.4);
    expect(adultGrants).toBeLessThan(0.6);
  });
});

describe('seed command line', () => {
  const today = new Date('2026-03-04T15:16:17Z');

  test('defaults: seed 1, batch 1000, now = today at 00:00 UTC', () => {
    expect(parseSeedArgs(['--subjects', '10'], today)).toEqual({ subjects: 10, seed: 1, batch: 1000, now: new Date('2026-03-04T00:00:00Z') });
    expect(startOfUtcDay(today).toISOString()).toBe('2026-03-04T00:00:00.000Z');
  });

  test('explicit values', () => {
    expect(parseSeedArgs(['--subjects', '5', '--seed', '42', '--now', '2025-06-01T12:00:00Z', '--batch', '50'], today))
      .toEqual({ subjects: 5, seed: 42, batch: 50, now: new Date('2025-06-01T12:00:00Z') });
  });

  test.each([
    [[]],
    [['--subjects', '0']],
    [['--subjects', 'ten']],
    [['--subjects', '10', '--seed', '-1']],
    [['--subjects', '10', '--now', 'yesterday']],
    [['--subjects', '10', '--now', '2026-01-01T00:00:00']],
    [['--subjects', '10', '--batch', '0']],
    [['--subjects', '10', '--color']],
    [['--subjects', '10', 'extra']],
  ])('rejects %j', (argv) => {
    expect(() => parseSeedArgs(argv, today)).toThrow(UsageError);
  });
});

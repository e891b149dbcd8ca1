import fc from 'fast-check';
import { expiryCutoff, parseDuration, periodEnd } from '../../src/policy/duration';
import { decide, retentionCutoff } from '../../src/policy/decide';
import { foldCustomerState } from '../../src/policy/customer-state';
import { PolicyPack, Purpose } from '../../src/policy/pack.types';
import { legalHold, longestRetention } from '../../src/rights/retention-sweep-plan';
import { parseTtl } from '../../src/cli/token';
import { civilEnd, edgyInstant } from '../support/civil-calendar';

/**
 * The calendar rule (policy/duration.ts): months and years in the civil calendar, a missing end
 * date clamped to the month's last day (Thai CCC s.193/5, Regulation 1182/71), that day ending at
 * its last millisecond. Expected dates are written by hand.
 */
const P = (iso: string) => parseDuration(iso)!;
const end = (start: string, iso: string) => periodEnd(new Date(start), P(iso)).toISOString();
const cut = (now: string, iso: string) => expiryCutoff(new Date(now), P(iso)).toISOString();

describe('periodEnd: the 28th to the 31st of each kind of month, leap years', () => {
  test.each([
    // 31-day month into a 30-day month (March -> April)
    ['2026-03-28T10:00:00Z', 'P1M', '2026-04-28T10:00:00.000Z'],
    ['2026-03-29T10:00:00Z', 'P1M', '2026-04-29T10:00:00.000Z'],
    ['2026-03-30T10:00:00Z', 'P1M', '2026-04-30T10:00:00.000Z'],
    ['2026-03-31T10:00:00Z', 'P1M', '2026-04-30T23:59:59.999Z'],
    // 31-day month into a 31-day month (July -> August)
    ['2026-07-28T10:00:00Z', 'P1M', '2026-08-28T10:00:00.000Z'],
    ['2026-07-29T10:00:00Z', 'P1M', '2026-08-29T10:00:00.000Z'],
    ['2026-07-30T10:00:00Z', 'P1M', '2026-08-30T10:00:00.000Z'],
    ['2026-07-31T10:00:00Z', 'P1M', '2026-08-31T10:00:00.000Z'],
    // 31 October: Soft SQ's "within one month" (10.2) is due 30 November, not 1 December
    ['2026-10-28T10:00:00Z', 'P1M', '2026-11-28T10:00:00.000Z'],
    ['2026-10-29T10:00:00Z', 'P1M', '2026-11-29T10:00:00.000Z'],
    ['2026-10-30T10:00:00Z', 'P1M', '2026-11-30T10:00:00.000Z'],
    ['2026-10-31T10:00:00Z', 'P1M', '2026-11-30T23:59:59.999Z'],
    // January into February, common year (2027) and leap year (2028)
    ['2027-01-28T10:00:00Z', 'P1M', '2027-02-28T10:00:00.000Z'],
    ['2027-01-29T10:00:00Z', 'P1M', '2027-02-28T23:59:59.999Z'],
    ['2027-01-30T10:00:00Z', 'P1M', '2027-02-28T23:59:59.999Z'],
    ['2027-01-31T10:00:00Z', 'P1M', '2027-02-28T23:59:59.999Z'],
    ['2028-01-28T10:00:00Z', 'P1M', '2028-02-28T10:00:00.000Z'],
    ['2028-01-29T10:00:00Z', 'P1M', '2028-02-29T10:00:00.000Z'],
    ['2028-01-30T10:00:00Z', 'P1M', '2028-02-29T23:59:59.999Z'],
    ['2028-01-31T10:00:00Z', 'P1M', '2028-02-29T23:59:59.999Z'],
    // 30-day months into 31-day months (April -> May, November -> December)
    ['2026-04-28T10:00:00Z', 'P1M', '2026-05-28T10:00:00.000Z'],
    ['2026-04-29T10:00:00Z', 'P1M', '2026-05-29T10:00:00.000Z'],
    ['2026-04-30T10:00:00Z', 'P1M', '2026-05-30T10:00:00.000Z'],
    ['2026-11-28T10:00:00Z', 'P1M', '2026-12-28T10:00:00.000Z'],
    ['2026-11-29T10:00:00Z', 'P1M', '2026-12-29T10:00:00.000Z'],
    ['2026-11-30T10:00:00Z', 'P1M', '2026-12-30T10:00:00.000Z'],
    // February into March, common and leap; December into the next year
    ['2027-02-28T10:00:00Z', 'P1M', '2027-03-28T10:00:00.000Z'],
    ['2028-02-28T10:00:00Z', 'P1M', '2028-03-28T10:00:00.000Z'],
    ['2028-02-29T10:00:00Z', 'P1M', '2028-03-29T10:00:00.000Z'],
    ['2026-12-31T10:00:00Z', 'P1M', '2027-01-31T10:00:00.000Z'],
    // Six months from the end of August: the end of February (29th in a leap year)
    ['2026-08-28T10:00:00Z', 'P6M', '2027-02-28T10:00:00.000Z'],
    ['2026-08-29T10:00:00Z', 'P6M', '2027-02-28T23:59:59.999Z'],
    ['2026-08-30T10:00:00Z', 'P6M', '2027-02-28T23:59:59.999Z'],
    ['2026-08-31T10:00:00Z', 'P6M', '2027-02-28T23:59:59.999Z'],
    ['2027-08-29T10:00:00Z', 'P6M', '2028-02-29T10:00:00.000Z'],
    ['2027-08-30T10:00:00Z', 'P6M', '2028-02-29T23:59:59.999Z'],
    ['2027-08-31T10:00:00Z', 'P6M', '2028-02-29T23:59:59.999Z'],
    ['2026-03-31T10:00:00Z', 'P6M', '2026-09-30T23:59:59.999Z'],
    ['2025-12-31T10:00:00Z', 'P6M', '2026-06-30T23:59:59.999Z'],
    // Years: 29 February, leap and century years (2000 is leap, 2100 is not)
    ['2028-02-29T10:00:00Z', 'P1Y', '2029-02-28T23:59:59.999Z'],
    ['2028-02-28T10:00:00Z', 'P1Y', '2029-02-28T10:00:00.000Z'],
    ['2027-02-28T10:00:00Z', 'P1Y', '2028-02-28T10:00:00.000Z'],
    ['2027-03-01T10:00:00Z', 'P1Y', '2028-03-01T10:00:00.000Z'],
    ['2024-02-29T10:00:00Z', 'P4Y', '2028-02-29T10:00:00.000Z'],
    ['2024-02-29T10:00:00Z', 'P5Y', '2029-02-28T23:59:59.999Z'],
    ['2096-02-29T10:00:00Z', 'P4Y', '2100-02-28T23:59:59.999Z'],
    ['1996-02-29T10:00:00Z', 'P4Y', '2000-02-29T10:00:00.000Z'],
    // Days and weeks are whole days, after the months
    ['2027-01-31T10:00:00Z', 'P30D', '2027-03-02T10:00:00.000Z'],
    ['2028-01-31T10:00:00Z', 'P30D', '2028-03-01T10:00:00.000Z'],
    ['2028-02-28T10:00:00Z', 'P2W', '2028-03-13T10:00:00.000Z'],
    ['2027-01-31T10:00:00Z', 'P1M1D', '2027-03-01T23:59:59.999Z'],
    ['2026-12-31T10:00:00Z', 'P1Y2M3D', '2028-03-03T23:59:59.999Z'],
    ['2026-12-31T10:00:00Z', 'P0D', '2026-12-31T10:00:00.000Z'],
  ])('%s + %s = %s', (start, iso, want) => {
    expect(end(start, iso)).toBe(want);
  });

  test('the end is a plain Date', () => {
    expect(Object.getPrototypeOf(periodEnd(new Date('2026-10-31T10:00:00Z'), P('P1M')))).toBe(Date.prototype);
  });
});

describe('expiryCutoff: the latest start whose period has ended', () => {
  test.each([
    // On 31 August, P6M: everything of February has ended, nothing of 1-3 March has
    ['2026-08-31T09:00:00Z', 'P6M', '2026-02-28T23:59:59.999Z'],
    // On 30 September in the morning, a record of 31 March runs to the end of the day
    ['2026-09-30T09:00:00Z', 'P6M', '2026-03-30T09:00:00.000Z'],
    ['2026-09-30T23:59:59.999Z', 'P6M', '2026-03-31T23:59:59.999Z'],
    ['2026-11-30T12:00:00Z', 'P1M', '2026-10-30T12:00:00.000Z'],
    ['2026-11-30T23:59:59.999Z', 'P1M', '2026-10-31T23:59:59.999Z'],
    ['2027-02-28T12:00:00Z', 'P1M', '2027-01-28T12:00:00.000Z'],
    ['2027-02-28T23:59:59.999Z', 'P1M', '2027-01-31T23:59:59.999Z'],
    ['2028-02-29T12:00:00Z', 'P1M', '2028-01-29T12:00:00.000Z'],
    ['2026-03-01T00:00:00Z', 'P1M', '2026-02-01T00:00:00.000Z'],
    ['2029-02-28T12:00:00Z', 'P1Y', '2028-02-28T12:00:00.000Z'],
    ['2029-02-28T23:59:59.999Z', 'P1Y', '2028-02-29T23:59:59.999Z'],
    ['2027-03-02T10:00:00Z', 'P30D', '2027-01-31T10:00:00.000Z'],
    ['2027-03-01T23:59:59.999Z', 'P1M1D', '2027-01-31T23:59:59.999Z'],
    ['2026-12-03T17:00:00Z', 'P2Y', '2024-12-03T17:00:00.000Z'],
  ])('on %s with %s: %s', (now, iso, want) => {
    expect(cut(now, iso)).toBe(want);
  });

  const durations = ['P1M', 'P6M', 'P1Y', 'P2Y', 'P5Y', 'P30D', 'P2W', 'P1M1D', 'P1Y2M3D', 'P13M', 'P0D'];

  test('property: C <= expiryCutoff(now, d) exactly when periodEnd(C, d) <= now', () => {
    const DAY = 86_400_000;
    // `now` near the end of C's period (within three days either way, or to the millisecond), or anywhere.
    const nowFor = (c: Date, iso: string) => fc.oneof(
      fc.integer({ min: -3 * DAY, max: 3 * DAY }).map((off) => new Date(civilEnd(c, P(iso)).getTime() + off)),
      fc.constantFrom(-1, 0, 1).map((off) => new Date(civilEnd(c, P(iso)).getTime() + off)),
      edgyInstant,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...durations).chain((iso) => edgyInstant.chain((c) => nowFor(c, iso).map((now) => ({ iso, c, now })))),
        ({ iso, c, now }) => {
          const cutoff = expiryCutoff(now, P(iso));
          expect(c <= cutoff).toBe(periodEnd(c, P(iso)) <= now);
          // The cutoff itself has ended, and the next millisecond has not.
          expect(periodEnd(cutoff, P(iso)) <= now).toBe(true);
          expect(periodEnd(new Date(cutoff.getTime() + 1), P(iso)) > now).toBe(true);
        },
      ),
      { numRuns: 20000, seed: 20261203 },
    );
  });

  test('property: periodEnd agrees with an independent statement of the rule, and never goes backwards', () => {
    fc.assert(
      fc.property(fc.constantFrom(...durations), edgyInstant, fc.integer({ min: 1, max: 3 * 86_400_000 }), (iso, start, later) => {
        expect(periodEnd(start, P(iso)).toISOString()).toBe(civilEnd(start, P(iso)).toISOString());
        expect(periodEnd(new Date(start.getTime() + later), P(iso)) >= periodEnd(start, P(iso))).toBe(true);
      }),
      { numRuns: 20000, seed: 20261203 },
    );
  });
});

describe('the same rule in decide(), the sweep and erasure receipts', () => {
  const purpose = (key: string, lawfulBasis: Purpose['lawfulBasis'], category: string, retention: string | null, consentValidity: string | null = null): Purpose => ({
    key, description: key, lawfulBasis, directMarketing: false, categories: [category],
    retentionDefault: retention ? P(retention) : null, retention: {}, masking: {}, consentValidity: consentValidity ? P(consentValidity) : null, cite: null,
    keptAfterErasure: lawfulBasis === 'legal_obligation' ? [category] : [],
  });
  const pack = {
    categories: {}, minors: { age: 20, withoutGuardianConsent: 'delete', appliesTo: 'consent' },
    purposes: {
      login_records: purpose('login_records', 'contract', 'technical.activity_time', 'P6M'),
      newsletter: purpose('newsletter', 'consent', 'contact.email', null, 'P1M'),
      tax_short: purpose('tax_short', 'legal_obligation', 'financial.invoice', 'P6M'),
      tax_long: purpose('tax_long', 'legal_obligation', 'financial.tax_id', 'P5Y'),
    },
  } as unknown as PolicyPack;
  const state = foldCustomerState('c1', '1980-05-05', []);
  const allowed = (p: string) => ({ effect: 'ALLOW', reason: null, rule: `purposes.${p}.lawful_basis` });
  const expired = (p: string) => ({ effect: 'DENY', reason: 'RETENTION_EXPIRED', rule: `purposes.${p}.retention` });

  test('on 31 August, P6M: a login of 28 February has expired; those of 1-3 March have not', () => {
    const now = new Date('2026-08-31T09:00:00Z');
    const p = pack.purposes.login_records;
    const at = (collected: string) => decide({ pack, purpose: p, category: 'technical.activity_time', state, recordCollectedAt: new Date(collected), now });
    expect(retentionCutoff(p, 'technical.activity_time', now)).toEqual(new Date('2026-02-28T23:59:59.999Z'));
    expect(['2026-02-28T18:00:00Z', '2026-03-01T00:00:00Z', '2026-03-02T12:00:00Z', '2026-03-03T08:00:00Z', '2026-03-03T10:00:00Z'].map(at)).toEqual([
      expired('login_records'), allowed('login_records'), allowed('login_records'), allowed('login_records'), allowed('login_records'),
    ]);
  });

  test('consent validity P1M: a consent given on 31 January lapses at the end of 28 February', () => {
    const grant = foldCustomerState('c1', '1980-05-05', [
      { kind: 'consent', at: new Date('2027-01-31T10:00:00Z'), purpose: 'newsletter', action: 'grant', givenBy: 'subject', explicit: false, expiresAt: null },
    ]);
    const at = (now: string) => decide({ pack, purpose: pack.purposes.newsletter, category: 'contact.email', state: grant, recordCollectedAt: null, now: new Date(now) });
    expect(['2027-02-28T23:59:59.998Z', '2027-02-28T23:59:59.999Z', '2027-03-02T10:00:00Z'].map(at)).toEqual([
      allowed('newsletter'),
      { effect: 'DENY', reason: 'CONSENT_EXPIRED', rule: 'purposes.newsletter.consent_validity' },
      { effect: 'DENY', reason: 'CONSENT_EXPIRED', rule: 'purposes.newsletter.consent_validity' },
    ]);
  });

  test('the sweep cuts at the same instant; a legal hold is kept until the calendar end', () => {
    const now = new Date('2026-08-31T09:00:00Z');
    expect(longestRetention(pack, 'financial.invoice', now)).toEqual({ covered: true, cutoff: new Date('2026-02-28T23:59:59.999Z'), purpose: 'tax_short', retention: P('P6M') });
    const hold = (category: string, collected: string, at: string) => {
      const h = legalHold(pack, category, new Date(collected), new Date(at));
      return h && { purpose: h.purpose.key, retention: h.retention!.iso, until: h.until!.toISOString() };
    };
    expect([
      hold('financial.invoice', '2025-08-31T10:00:00Z', '2026-02-28T12:00:00Z'),
      hold('financial.invoice', '2025-08-31T10:00:00Z', '2026-02-28T23:59:59.999Z'),
      hold('financial.invoice', '2026-03-02T10:00:00Z', '2026-08-31T09:00:00Z'),
      hold('financial.tax_id', '2024-02-29T10:00:00Z', '2026-01-01T00:00:00Z'),
    ]).toEqual([
      { purpose: 'tax_short', retention: 'P6M', until: '2026-02-28T23:59:59.999Z' },
      null,
      { purpose: 'tax_short', retention: 'P6M', until: '2026-09-02T10:00:00.000Z' },
      { purpose: 'tax_long', retention: 'P5Y', until: '2029-02-28T23:59:59.999Z' },
    ]);
  });
});

describe('token --ttl', () => {
  test('s, m, h, d and ISO days are exact; ISO months and years are calendar months and years from now', () => {
    const now = new Date('2027-01-31T10:00:00Z');
    expect(['90s', '30m', '1h', '7d', 'P7D', 'P2W', 'P1M', 'P1Y'].map((raw) => parseTtl(raw, now))).toEqual([
      90, 1800, 3600, 7 * 86400, 7 * 86400, 14 * 86400,
      // to 2027-02-28T23:59:59: 28 days, 13 hours, 59 minutes, 59 seconds
      28 * 86400 + 13 * 3600 + 59 * 60 + 59,
      // to 2028-01-31T10:00:00: 365 days
      365 * 86400,
    ]);
    expect(parseTtl('P1Y', new Date('2028-01-31T10:00:00Z'))).toBe(366 * 86400);
    expect(parseTtl('P1M', new Date('2028-01-15T10:00:00Z'))).toBe(31 * 86400);
    expect(() => parseTtl('1w', now)).toThrow('--ttl must look like 30m, 1h, 7d or P1M, got "1w"');
  });
});

import fc from 'fast-check';
import { civilCutoff, civilEnd, edgyInstant } from '../support/civil-calendar';

/**
 * The tests' own calendar (test/support/civil-calendar.ts), checked against itself: the cutoff
 * the integration tests expect from the retention sweep (rights-retention) is the latest start
 * whose civil end has come. civilEnd never goes backwards, so "C has ended and C + 1 ms has not"
 * pins C exactly. (civilEnd against hand-written month ends: test/unit/duration.test.ts.)
 */
const D = (years: number, months: number, days: number) => ({ years, months, days });
const DURATIONS = [D(0, 1, 0), D(0, 6, 0), D(1, 0, 0), D(2, 0, 0), D(5, 0, 0), D(0, 0, 30), D(0, 1, 1), D(1, 2, 3), D(0, 13, 0), D(0, 0, 0)];

test('civilCutoff: civilEnd(cutoff) <= now < civilEnd(cutoff + 1 ms), month ends, 29 February and the last millisecond of a day included', () => {
  fc.assert(
    fc.property(fc.constantFrom(...DURATIONS), edgyInstant, (d, now) => {
      const cutoff = civilCutoff(now, d);
      expect(civilEnd(cutoff, d).getTime()).toBeLessThanOrEqual(now.getTime());
      expect(civilEnd(new Date(cutoff.getTime() + 1), d).getTime()).toBeGreaterThan(now.getTime());
    }),
    { numRuns: 20000, seed: 20261203 },
  );
});

test('civilCutoff on the days that subtraction gets wrong', () => {
  const cut = (now: string, d: { years: number; months: number; days: number }) => civilCutoff(new Date(now), d).toISOString();
  expect([
    cut('2028-02-29T09:00:00.000Z', D(5, 0, 0)), // not 1 March 2023
    cut('2029-02-28T23:59:59.999Z', D(5, 0, 0)), // a record of 29 February 2024 has ended too
    cut('2029-02-28T09:00:00.000Z', D(5, 0, 0)),
    cut('2026-08-31T09:00:00.000Z', D(0, 6, 0)), // all of February, nothing of March
  ]).toEqual(['2023-02-28T23:59:59.999Z', '2024-02-29T23:59:59.999Z', '2024-02-28T09:00:00.000Z', '2026-02-28T23:59:59.999Z']);
});

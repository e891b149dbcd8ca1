import fc from 'fast-check';

/**
 * An independent statement of the calendar rule for tests (no date library, no Date overflow):
 * months and years move the calendar date and keep the time of day; a date the target month does
 * not have is that month's last day, ending at its last millisecond; then whole days are added.
 */
const DAY = 86_400_000;
const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
export const daysInMonth = (y: number, m0: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m0];

export function civilEnd(start: Date, d: { years: number; months: number; days: number }): Date {
  const y = start.getUTCFullYear();
  const m = start.getUTCMonth();
  const day = start.getUTCDate();
  const timeOfDay = start.getTime() - Date.UTC(y, m, day);
  const total = m + d.months + d.years * 12;
  const ty = y + Math.floor(total / 12);
  const tm = total % 12;
  const last = daysInMonth(ty, tm);
  const end = day <= last ? Date.UTC(ty, tm, day) + timeOfDay : Date.UTC(ty, tm, last) + DAY - 1;
  return new Date(end + d.days * DAY);
}

/**
 * The latest start whose period has ended by `now` (civilEnd(C, d) <= now): the retention
 * sweep's cutoff, worked out from the rule above rather than by subtracting. Days first (they
 * are added last); then the starts that end in now's month are those of the month `months`
 * before. If `now` is later in its month than that month has days, or is the last millisecond of
 * its month (every start clamped into it has ended), all of that month has ended: its last
 * millisecond. Otherwise the same day and time of day there. test/unit/civil-calendar.test.ts
 * checks it against civilEnd.
 */
export function civilCutoff(now: Date, d: { years: number; months: number; days: number }): Date {
  const at = now.getTime() - d.days * DAY;
  const n = d.years * 12 + d.months;
  if (n === 0) return new Date(at);
  const t = new Date(at);
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth();
  const day = t.getUTCDate();
  const timeOfDay = at - Date.UTC(y, m, day);
  const total = y * 12 + m - n;
  const sy = Math.floor(total / 12);
  const sm = total - sy * 12;
  const lastOfNow = day === daysInMonth(y, m) && timeOfDay === DAY - 1;
  if (day > daysInMonth(sy, sm) || lastOfNow) return new Date(Date.UTC(sy, sm, daysInMonth(sy, sm)) + DAY - 1);
  return new Date(Date.UTC(sy, sm, day) + timeOfDay);
}

/**
 * Instants that find month-end mistakes: the 26th to the 31st of any month (and the 1st) in common,
 * leap and century years (2000 leap, 2100 not), at midnight, the last millisecond or any time of
 * day; mixed with instants anywhere from 1999 to 2101.
 */
export const edgyInstant: fc.Arbitrary<Date> = fc.oneof(
  fc.record({
    y: fc.constantFrom(1999, 2000, 2023, 2024, 2025, 2026, 2027, 2028, 2099, 2100),
    m: fc.integer({ min: 0, max: 11 }),
    d: fc.constantFrom(1, 26, 27, 28, 29, 30, 31),
    t: fc.oneof(fc.constant(0), fc.constant(DAY - 1), fc.integer({ min: 0, max: DAY - 1 })),
  }).map(({ y, m, d, t }) => new Date(Date.UTC(y, m, Math.min(d, daysInMonth(y, m))) + t)),
  fc.integer({ min: Date.UTC(1999, 0, 1), max: Date.UTC(2101, 0, 1) }).map((ms) => new Date(ms)),
);

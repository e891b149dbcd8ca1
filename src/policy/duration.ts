import { addDays, addMonths, endOfDay, endOfMonth, subDays, subMonths } from 'date-fns';
import { utc } from '@date-fns/utc';
import { Duration } from './pack.types';

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Parses the calendar part of an ISO 8601 duration (P5Y, P6M, P30D, P2W). Null if not one. */
export function parseDuration(iso: string): Duration | null {
  const m = ISO.exec(iso);
  if (!m || iso === 'P') return null;
  return { iso, years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0) };
}

/**
 * The calendar rule, the one place a period end is computed (retention in decide() and the
 * sweep, erasure receipts' "kept until", consent validity, rights-request deadlines, the
 * access-log prune, token lifetimes): `start` plus the duration in the civil calendar, in UTC.
 * Years and months move the calendar date and keep the time of day; a date that does not exist
 * in the target month (31 October + P1M, 29 February + P1Y) is that month's last day, to its
 * last millisecond (Thai Civil and Commercial Code s.193/5; Regulation 1182/71 art. 3(2)(c):
 * the period ends with the last hour of that day). Then days and weeks are added as whole days.
 *
 * Ending a shortened period at the end of the day, not at the start's time of day, keeps the
 * end non-decreasing in `start` (a record of 31 January 01:00 is not released before one of 30
 * January 23:00), which `expiryCutoff` needs.
 */
export function periodEnd(start: Date, d: Duration): Date {
  const months = d.years * 12 + d.months;
  let end: Date = addMonths(start, months, { in: utc });
  if (end.getUTCDate() !== start.getUTCDate()) end = endOfDay(end, { in: utc });
  return new Date(addDays(end, d.days, { in: utc }).getTime());
}

/**
 * The latest instant C whose period has ended by `now` (periodEnd(C, d) <= now), so that "a
 * record collected at or before the cutoff is past retention" is the same test as periodEnd,
 * for one comparison per record or a SQL condition. Not simply `now` minus the duration: on 31
 * August at 09:00, that is 28 February 09:00, yet a P6M record of 28 February 18:00 has ended
 * (28 August 18:00), so the cutoff is the end of 28 February.
 */
export function expiryCutoff(now: Date, d: Duration): Date {
  const months = d.years * 12 + d.months;
  // periodEnd never goes backwards, so the latest such start is one of two: `now` less the
  // duration (clamped into a shorter month, same time of day) or, when every start of that month
  // has ended by `now` (now is a month's last instant, or later in the month than that month
  // has days), the month's last millisecond. test/unit/duration.test.ts checks it at random.
  const sameDate = subMonths(subDays(now, d.days, { in: utc }), months, { in: utc });
  const monthOver = endOfMonth(sameDate, { in: utc });
  return new Date((periodEnd(monthOver, d) <= now ? monthOver : sameDate).getTime());
}

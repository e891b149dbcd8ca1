import type { Rng } from './prng';

/*
 * Time arithmetic for the generator, all relative to the caller's `now` (never the wall clock),
 * in whole seconds so every timestamp round-trips through PostgreSQL unchanged.
 */

/** Durations in milliseconds; a year is 365.25 days (for ranges only: exact ages use the calendar, see ageOn). */
export const SECOND = 1000;
/** See SECOND. */
export const MINUTE = 60 * SECOND;
/** See SECOND. */
export const HOUR = 60 * MINUTE;
/** See SECOND. */
export const DAY = 24 * HOUR;
/** See SECOND. */
export const YEAR = 365 * DAY + 6 * HOUR;

/** The instant rounded down to a whole second. */
export function wholeSecond(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

/** A whole-second instant uniformly in [from, to] (rounded down); `to` when the range is empty. */
export function instantBetween(rng: Rng, from: number, to: number): number {
  if (to <= from) return wholeSecond(to);
  return wholeSecond(from + rng.next() * (to - from));
}

/** ISO timestamp of an epoch-milliseconds instant. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Age in whole years on `now` of someone born on `dob` (YYYY-MM-DD), by the calendar. */
export function ageOn(dob: string, now: Date): number {
  const [y, m, d] = dob.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  const beforeBirthday = now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

/**
 * A date of birth making the person exactly `age` years old on `now`: uniformly one of the days
 * after their (age+1)-years-ago birthday-date and up to their age-years-ago one.
 */
export function dateOfBirthForAge(rng: Rng, age: number, now: Date): string {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  const from = Date.UTC(y - age - 1, m, d);
  const to = Date.UTC(y - age, m, d);
  const days = Math.round((to - from) / DAY);
  const born = from + rng.int(1, days) * DAY;
  return iso(born).slice(0, 10);
}

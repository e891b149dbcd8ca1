import { Duration } from './pack.types';

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Parses the calendar part of an ISO 8601 duration (P5Y, P6M, P30D, P2W). Null if not one. */
export function parseDuration(iso: string): Duration | null {
  const m = ISO.exec(iso);
  if (!m || iso === 'P') return null;
  return { iso, years: Number(m[1] ?? 0), months: Number(m[2] ?? 0), days: Number(m[3] ?? 0) * 7 + Number(m[4] ?? 0) };
}

/** `from` plus the duration, in UTC calendar arithmetic (a 6-month retention ends on the same day-of-month). */
export function addDuration(from: Date, d: Duration): Date {
  const t = new Date(from.getTime());
  t.setUTCFullYear(t.getUTCFullYear() + d.years, t.getUTCMonth() + d.months, t.getUTCDate() + d.days);
  return t;
}

/** `from` minus the duration (UTC calendar arithmetic). */
export function subtractDuration(from: Date, d: Duration): Date {
  const t = new Date(from.getTime());
  t.setUTCFullYear(t.getUTCFullYear() - d.years, t.getUTCMonth() - d.months, t.getUTCDate() - d.days);
  return t;
}

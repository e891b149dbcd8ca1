import { PolicyPack, Purpose, Duration } from '../policy/pack.types';
import { purposeCovers, retentionFor } from '../policy/decide';
import { holdKeeps, legalHoldsFor, RIGHTS_ADMINISTRATION_PURPOSES } from '../policy/legal-hold';
import { expiryCutoff, periodEnd } from '../policy/duration';
import { categoryRetention } from '../policy/retention';

/**
 * How long a pack keeps a category (longest retention, legal holds) and, from that, which rows of
 * a table the sweep may change (the cutoff conditions). The rules are in retention-sweep-run.ts's
 * file comment.
 */

/** The purposes that count for retention: all but the rights-administration ones; `legalOnly` keeps the legal-obligation ones. */
function holdingPurposes(pack: PolicyPack, legalOnly: boolean): Purpose[] {
  return Object.values(pack.purposes).filter(
    (p) => !RIGHTS_ADMINISTRATION_PURPOSES.includes(p.key) && (!legalOnly || p.lawfulBasis === 'legal_obligation'),
  );
}

export interface LongestRetention {
  /** False when no counted purpose covers the category and the pack does not list it under not_collected. */
  readonly covered: boolean;
  /**
   * Records collected at or before this instant are past every counted purpose (not_collected:
   * `now`, every record); null = some purpose keeps them without limit (or none covers).
   */
  readonly cutoff: Date | null;
  /** The purpose and duration that set the cutoff. */
  readonly purpose: string | null;
  readonly retention: Duration | null;
}

/**
 * The longest retention of a category across the pack's purposes: categoryRetention
 * (src/policy/retention.ts), the statement the subject export shows too; or (`legalOnly`) across
 * the legal holds that keep it after an erasure (src/policy/legal-hold.ts).
 */
export function longestRetention(pack: PolicyPack, category: string, now: Date, legalOnly = false): LongestRetention {
  if (!legalOnly) {
    const r = categoryRetention(pack, category, now);
    return { covered: r.rule !== 'no_purpose', cutoff: r.cutoff, purpose: r.purpose, retention: r.retention };
  }
  let best: LongestRetention = { covered: false, cutoff: null, purpose: null, retention: null };
  for (const p of holdingPurposes(pack, legalOnly)) {
    if (legalOnly ? !holdKeeps(p, category) : !purposeCovers(p, category)) continue;
    const d = retentionFor(p, category);
    if (d === null) return { covered: true, cutoff: null, purpose: p.key, retention: null };
    const cutoff = expiryCutoff(now, d);
    if (!best.covered || (best.cutoff !== null && cutoff < best.cutoff)) best = { covered: true, cutoff, purpose: p.key, retention: d };
  }
  return best;
}

export interface LegalHold {
  readonly purpose: Purpose;
  readonly retention: Duration | null;
  /** collectedAt + retention; null = without limit. */
  readonly until: Date | null;
}

/**
 * Why a record of an erased customer is kept: the legal hold of the pack whose
 * `kept_after_erasure` covers its category (src/policy/legal-hold.ts) and keeps it the longest,
 * if its retention has not run out for this record (the same test as decide()'s
 * RETENTION_EXPIRED). Null: nothing keeps it.
 */
export function legalHold(pack: PolicyPack, category: string, collectedAt: Date, now: Date): LegalHold | null {
  let best: LegalHold | null = null;
  for (const p of legalHoldsFor(pack, category)) {
    const d = retentionFor(p, category);
    if (d === null) return { purpose: p, retention: null, until: null };
    const until = periodEnd(collectedAt, d);
    if (until <= now) continue;
    if (best === null || (best.until !== null && until > best.until)) best = { purpose: p, retention: d, until };
  }
  return best;
}

/** A SQL condition with its parameters, composed with positional placeholders. */
export class Sql {
  readonly params: unknown[] = [];
  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }
}

export interface Due {
  /** Condition (over alias `t`) for rows past retention, or null when none can be. */
  cond(sql: Sql, alias: string): string | null;
  general: LongestRetention | null;
  /** Each category of the table and its own longest retention (a row's category may go before the row). */
  perCategory: { category: string; r: LongestRetention }[];
}

/**
 * Rows of a table that are past retention: past the longest retention of every category it
 * holds (general), or rows of erased customers past the longest legal-obligation retention.
 */
export function dueFor(pack: PolicyPack, t: { categories: readonly { category: string }[] }, now: Date, erased: readonly string[]): Due & { uncovered: string[] } {
  const cats = t.categories.map((c) => c.category);
  const general = cats.map((c) => ({ c, r: longestRetention(pack, c, now) }));
  const uncovered = general.filter((g) => !g.r.covered).map((g) => g.c);
  // The row goes when every category is past: the earliest cutoff; none if any is kept without limit or uncovered.
  let generalDue: LongestRetention | null = null;
  if (!uncovered.length && general.every((g) => g.r.cutoff !== null)) {
    generalDue = general.reduce((a, b) => (b.r.cutoff! < a.r.cutoff! ? b : a)).r;
  }
  const legal = cats.map((c) => longestRetention(pack, c, now, true)).filter((r) => r.covered);
  // Erased customers: no legal obligation covers the row -> any age; one without limit -> never.
  const erasedCutoff: Date | 'any' | null = !legal.length ? 'any' : legal.some((r) => r.cutoff === null) ? null : legal.reduce((a, b) => (b.cutoff! < a.cutoff! ? b : a)).cutoff;
  return {
    uncovered,
    general: generalDue,
    perCategory: general.map((g) => ({ category: g.c, r: g.r })),
    cond(sql, alias) {
      const parts: string[] = [];
      if (generalDue) parts.push(`${alias}.collected_at <= ${sql.param(generalDue.cutoff)}`);
      if (erased.length && erasedCutoff !== null) {
        const who = `${alias}.customer_id = ANY(${sql.param(erased)}::text[])`;
        parts.push(erasedCutoff === 'any' ? who : `(${who} AND ${alias}.collected_at <= ${sql.param(erasedCutoff)})`);
      }
      return parts.length ? `(${parts.join(' OR ')})` : null;
    },
  };
}

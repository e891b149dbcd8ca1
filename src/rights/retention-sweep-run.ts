/**
 * What the personal-data stores hold, category by category, and how long a pack keeps it; and
 * the retention sweep (`npm run retention -- sweep`), which deletes, or anonymises where a parent
 * row must stay, every record older than the LONGEST retention any purpose of the pack gives its
 * categories. How long a category is kept is one function, categoryRetention
 * (src/policy/retention.ts), which the subject export states and `npm run policy -- check` lints,
 * so the three cannot disagree. The erasure (erasure.service.ts) uses the same table layout and
 * legal holds.
 *
 * Choices (the issue is silent on them):
 * - The rights-administration purposes (`data_subject_request`, `consent_management`, a
 *   convention of all five packs, policies/README.md) are not a reason to hold store data: they
 *   cover every category for 10 years so the DPO can answer requests about whatever is held, and
 *   their own records (requests, consent events) live in the gateway's tables, which the sweep
 *   never touches. Counting them would make every category's longest retention P10Y.
 * - A category the pack lists under `not_collected` (the policy does not collect it, yet the
 *   stores can hold it) is deleted, or anonymised on a row that stays, whatever its age: a
 *   deliberate rule of the pack, not a missing one.
 * - A category that no purpose covers and `not_collected` does not list is KEPT, with a warning.
 *   `policy check` refuses such a pack (every category a pack declares or the stores hold must
 *   have a purpose and a retention, or be listed as not collected), so a checked pack never gets
 *   here; the warning stays as a defence for a pack deployed unchecked: an unattended job must
 *   not destroy data because a rule is missing, the gateway already serves it to no purpose
 *   (CATEGORY_NOT_IN_PURPOSE), and the warning names the table so a DPO adds the rule or erases
 *   deliberately. Exception: rows of ERASED customers.
 * - Rows of erased customers are deleted once past the longest retention of the legal holds that
 *   keep them (`kept_after_erasure`, src/policy/legal-hold.ts: the "kept until" of the erasure
 *   receipt); rows of theirs in a category no legal hold keeps are deleted whatever their age
 *   (they finish an erasure), even where a legal-obligation purpose covers the category.
 * - A row holding several categories (a login: IP, user agent, time) goes when all of them are
 *   past; a category of it due earlier (a shorter longest retention, or not collected) is
 *   anonymised on the row meanwhile, so that every category goes at its own longest retention,
 *   as the export states. The customer row is never deleted: it anchors the other records and the
 *   gateway's histories; each identity category on it is anonymised once past its retention.
 * - A parent row (an account with logins, an order with an invoice) past its retention whose
 *   children are still kept stays, anonymised (username, items).
 * - Work is done in bounded batches (`DELETE ... WHERE id IN (SELECT id ... LIMIT n)`), each its
 *   own transaction: an interrupted sweep keeps what it did and the next run continues; a run
 *   with nothing past retention changes nothing (idempotent).
 * - Deleting a parent row makes PostgreSQL look for its children (ON DELETE CASCADE); without an
 *   index on login_events.account_id and invoices.order_id that is a scan of the child table per
 *   parent row. Measured on 20,000 seeded customers (~120,000 rows past retention): 90 s without
 *   those two indexes, 4.6 s with them.
 *
 * Running it: batched DELETE and UPDATE statements, each its own transaction, table by table and
 * then on the customer row (this file); which rows are due: retention-sweep-plan.ts; the tables:
 * retention-sweep-tables.ts; the report: retention-sweep-report.ts.
 */
import { DataSource } from 'typeorm';
import { PolicyPack } from '../policy/pack.types';
import { Stores } from '../stores/open-stores';
import { dueFor, longestRetention, Sql } from './retention-sweep-plan';
import { SweepLine, SweepReport, SweepWarning } from './retention-sweep-report';
import { childOf, CUSTOMER_IDENTITY, PERSONAL_TABLES } from './retention-sweep-tables';

export interface SweepOptions {
  readonly now: Date;
  readonly dryRun: boolean;
  /** Rows per statement (each its own transaction). */
  readonly batchSize?: number;
  /** Called after every batch with the running count of one line. */
  readonly onProgress?: (p: { table: string; action: 'deleted' | 'anonymised'; rows: number }) => void;
}

export const DEFAULT_SWEEP_BATCH = 5000;

/**
 * Rows an UPDATE or DELETE changed. (TypeORM's query() answers an UPDATE or DELETE with
 * [rows, rowCount], a SELECT with its rows: a CTE makes it a SELECT.)
 */
export async function rowsChanged(q: Pick<DataSource, 'query'>, statement: string, params: unknown[]): Promise<number> {
  const [{ n }] = await q.query(`WITH x AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM x`, params);
  return n as number;
}

async function count(ds: DataSource, sql: string, params: unknown[]): Promise<number> {
  const [{ n }] = await ds.query(sql, params);
  return n as number;
}

/** Runs `statement` (which must return one row with `n`) until a batch changes fewer than `batch` rows. */
async function inBatches(ds: DataSource, statement: string, params: unknown[], batch: number, progress: (n: number) => void): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await count(ds, statement, params);
    total += n;
    if (n) progress(total);
    if (n < batch) return total;
  }
}

/**
 * Deletes (or anonymises where a parent row must stay) every record past the longest retention
 * of its categories, in batches. `dryRun` only counts. See the file comment for the rules.
 */
export async function runRetentionSweep(stores: Stores, pack: PolicyPack, opts: SweepOptions): Promise<SweepReport> {
  const { now, dryRun } = opts;
  const batch = opts.batchSize ?? DEFAULT_SWEEP_BATCH;
  const erasedRows: { customer_id: string }[] = await stores.gateway.query(
    `SELECT DISTINCT customer_id FROM erasures WHERE recorded_at <= $1 ORDER BY customer_id`, [now]);
  const erased = erasedRows.map((r) => r.customer_id);
  const lines: SweepLine[] = [];
  const warnings: SweepWarning[] = [];
  const byCategory: Record<string, { deleted: number; anonymised: number }> = {};
  const tally = (cats: readonly string[], action: 'deleted' | 'anonymised', rows: number) => {
    for (const c of cats) {
      byCategory[c] ??= { deleted: 0, anonymised: 0 };
      byCategory[c][action] += rows;
    }
  };
  const progress = (table: string, action: 'deleted' | 'anonymised') => (rows: number) => opts.onProgress?.({ table, action, rows });

  for (const t of PERSONAL_TABLES) {
    const ds = stores[t.store];
    const cats = t.categories.map((c) => c.category);
    const due = dueFor(pack, t, now, erased);
    for (const c of due.uncovered) {
      warnings.push({
        store: t.store, table: t.table, category: c,
        message: `no purpose of the pack covers ${c}: ${t.store}.${t.table} is kept${erased.length ? ' (except rows of erased customers)' : ''}; add a retention rule or erase deliberately`,
      });
    }
    const sql = new Sql();
    const cond = due.cond(sql, 't');
    const line = (action: 'deleted' | 'anonymised', rows: number): SweepLine => ({
      store: t.store, table: t.table, categories: cats, action, rows,
      retention: due.general?.retention?.iso ?? null, purpose: due.general?.purpose ?? null, cutoff: due.general?.cutoff ?? null,
    });
    // A category due before its row (a shorter retention than the row's, or not collected) is
    // anonymised on the rows that stay, so that each category goes at its own longest retention.
    const anonymiseEarly = async () => {
      if (t.categories.length < 2) return;
      for (const c of t.categories) {
        const r = due.perCategory.find((x) => x.category === c.category)!.r;
        if (!c.anonymise || r.cutoff === null || (due.general !== null && r.cutoff <= due.general.cutoff!)) continue;
        const cs = new Sql();
        const rowDue = due.cond(cs, 't');
        const where = `t.collected_at <= ${cs.param(r.cutoff)} AND NOT (${c.anonymised})${rowDue ? ` AND NOT ${rowDue}` : ''}`;
        const rows = dryRun
          ? await count(ds, `SELECT count(*)::int AS n FROM ${t.table} t WHERE ${where}`, cs.params)
          : await inBatches(ds,
            `WITH u AS (UPDATE ${t.table} SET ${c.anonymise} WHERE id IN (SELECT t.id FROM ${t.table} t WHERE ${where} ORDER BY t.id LIMIT ${batch}) RETURNING 1)
             SELECT count(*)::int AS n FROM u`, cs.params, batch, progress(t.table, 'anonymised'));
        lines.push({ store: t.store, table: t.table, categories: [c.category], action: 'anonymised', rows, retention: r.retention?.iso ?? null, purpose: r.purpose, cutoff: r.cutoff });
        tally([c.category], 'anonymised', rows);
      }
    };
    if (cond === null) {
      await anonymiseEarly();
      continue;
    }

    const child = childOf(t.table);
    let keep = '';
    if (child) {
      // A parent stays while a child row survives this sweep.
      const childCond = dueFor(pack, child, now, erased).cond(sql, 'c');
      keep = `EXISTS (SELECT 1 FROM ${child.table} c WHERE c.${child.parent!.fk} = t.id${childCond ? ` AND NOT ${childCond}` : ''})`;
    }
    const deletable = child ? `${cond} AND NOT ${keep}` : cond;
    const deleted = dryRun
      ? await count(ds, `SELECT count(*)::int AS n FROM ${t.table} t WHERE ${deletable}`, sql.params)
      : await inBatches(ds,
        `WITH d AS (DELETE FROM ${t.table} WHERE id IN (SELECT t.id FROM ${t.table} t WHERE ${deletable} ORDER BY t.id LIMIT ${batch}) RETURNING 1)
         SELECT count(*)::int AS n FROM d`, sql.params, batch, progress(t.table, 'deleted'));
    lines.push(line('deleted', deleted));
    tally(cats, 'deleted', deleted);

    if (child) {
      const set = t.categories.map((c) => c.anonymise!).join(', ');
      const done = t.categories.map((c) => `(${c.anonymised!})`).join(' AND ');
      const anonymisable = `${cond} AND ${keep} AND NOT (${done})`;
      const anonymised = dryRun
        ? await count(ds, `SELECT count(*)::int AS n FROM ${t.table} t WHERE ${anonymisable}`, sql.params)
        : await inBatches(ds,
          `WITH u AS (UPDATE ${t.table} SET ${set} WHERE id IN (SELECT t.id FROM ${t.table} t WHERE ${anonymisable} ORDER BY t.id LIMIT ${batch}) RETURNING 1)
           SELECT count(*)::int AS n FROM u`, sql.params, batch, progress(t.table, 'anonymised'));
      lines.push(line('anonymised', anonymised));
      tally(cats, 'anonymised', anonymised);
    }
    await anonymiseEarly();
  }

  // The customer row: each identity category anonymised once past its longest retention (or erased).
  for (const c of CUSTOMER_IDENTITY) {
    const r = longestRetention(pack, c.category, now);
    if (!r.covered) warnings.push({ store: 'crm', table: 'customers', category: c.category, message: `no purpose of the pack covers ${c.category}: it is kept on crm.customers${erased.length ? ' (except for erased customers)' : ''}; add a retention rule or erase deliberately` });
    const sql = new Sql();
    const parts: string[] = [];
    if (r.cutoff !== null) parts.push(`t.collected_at <= ${sql.param(r.cutoff)}`);
    if (erased.length) parts.push(`t.id = ANY(${sql.param(erased)}::text[])`);
    if (!parts.length) continue;
    const cond = `(${parts.join(' OR ')}) AND NOT (${c.anonymised})`;
    const rows = dryRun
      ? await count(stores.crm, `SELECT count(*)::int AS n FROM customers t WHERE ${cond}`, sql.params)
      : await inBatches(stores.crm,
        `WITH u AS (UPDATE customers SET ${c.anonymise} WHERE id IN (SELECT t.id FROM customers t WHERE ${cond} ORDER BY t.id LIMIT ${batch}) RETURNING 1)
         SELECT count(*)::int AS n FROM u`, sql.params, batch, progress('customers', 'anonymised'));
    lines.push({ store: 'crm', table: 'customers', categories: [c.category], action: 'anonymised', rows, retention: r.retention?.iso ?? null, purpose: r.purpose, cutoff: r.cutoff });
    tally([c.category], 'anonymised', rows);
  }

  return { pack: pack.id, now, dryRun, erasedCustomers: erased.length, lines, warnings, byCategory };
}

import { DataSource } from 'typeorm';
import { purposeCovers, retentionFor } from '../policy/decide';
import { addDuration, subtractDuration } from '../policy/duration';
import { Duration, PolicyPack, Purpose } from '../policy/pack.types';
import { Stores } from '../stores/open-stores';

/**
 * What the personal-data stores hold, category by category, and how long a pack keeps it; and
 * the retention sweep (`npm run retention -- sweep`), which deletes, or anonymises where a parent
 * row must stay, every record older than the LONGEST retention any purpose of the pack gives its
 * categories. The erasure (erasure.service.ts) uses the same table layout and legal holds.
 *
 * Choices (the issue is silent on them):
 * - The rights-administration purposes (`data_subject_request`, `consent_management`, a
 *   convention of all five packs, policies/README.md) are not a reason to hold store data: they
 *   cover every category for 10 years so the DPO can answer requests about whatever is held, and
 *   their own records (requests, consent events) live in the gateway's tables, which the sweep
 *   never touches. Counting them would make every category's longest retention P10Y.
 * - A category that no purpose covers is KEPT, with a warning: an unattended job must not destroy
 *   data because a rule is missing (an incomplete pack is likelier than a decision); the gateway
 *   already serves it to no purpose (CATEGORY_NOT_IN_PURPOSE), and the warning names the table so
 *   a DPO adds a retention rule or erases deliberately. Exception: rows of ERASED customers.
 * - Rows of erased customers are deleted once past the longest retention of the legal-obligation
 *   purposes that still see them (the "kept until" of the erasure receipt); rows of theirs in a
 *   category no legal obligation keeps are deleted whatever their age (they finish an erasure).
 * - A row holding several categories (a login: IP, user agent, time) goes when all of them are
 *   past; until then the gateway still denies each category past its own retention per purpose
 *   (RETENTION_EXPIRED). The customer row is never deleted: it anchors the other records and the
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
 */
export const RIGHTS_ADMINISTRATION_PURPOSES: readonly string[] = ['data_subject_request', 'consent_management'];

export interface TableCategory {
  readonly category: string;
  /** SET list that removes this category's data from a row that must stay (multi-category rows and parents). */
  readonly anonymise?: string;
  /** True of a row whose data of this category is already removed (keeps anonymisation idempotent). */
  readonly anonymised?: string;
}

export interface PersonalTable {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly categories: readonly TableCategory[];
  /** Rows of this table referencing a parent row (login -> account, invoice -> order). */
  readonly parent?: { readonly table: string; readonly fk: string };
}

/** Every table with personal data except `customers`, children before their parents. */
export const PERSONAL_TABLES: readonly PersonalTable[] = [
  { store: 'crm', table: 'emails', categories: [{ category: 'contact.email' }] },
  { store: 'crm', table: 'phones', categories: [{ category: 'contact.phone' }] },
  { store: 'crm', table: 'postal_addresses', categories: [{ category: 'contact.address' }] },
  { store: 'crm', table: 'social_accounts', categories: [{ category: 'contact.social_media' }] },
  {
    store: 'crm', table: 'login_events', parent: { table: 'accounts', fk: 'account_id' },
    categories: [
      { category: 'technical.ip_address', anonymise: `ip_address = 'erased'`, anonymised: `ip_address = 'erased'` },
      { category: 'technical.user_agent', anonymise: `user_agent = 'erased'`, anonymised: `user_agent = 'erased'` },
      { category: 'technical.activity_time', anonymise: `occurred_at = date_trunc('month', occurred_at)`, anonymised: `occurred_at = date_trunc('month', occurred_at)` },
    ],
  },
  {
    store: 'crm', table: 'accounts',
    categories: [{ category: 'account.username', anonymise: `username = 'erased-' || id`, anonymised: `username = 'erased-' || id` }],
  },
  {
    store: 'crm', table: 'communications',
    categories: [
      {
        category: 'communication.support_ticket',
        anonymise: `subject = 'erased', occurred_at = date_trunc('month', occurred_at)`,
        anonymised: `subject = 'erased' AND occurred_at = date_trunc('month', occurred_at)`,
      },
      { category: 'communication.chat', anonymise: `body = 'erased'`, anonymised: `body = 'erased'` },
    ],
  },
  { store: 'crm', table: 'call_logs', categories: [{ category: 'communication.call_log' }] },
  { store: 'crm', table: 'health_declarations', categories: [{ category: 'health.declaration' }] },
  { store: 'billing', table: 'bank_accounts', categories: [{ category: 'financial.bank_account' }] },
  { store: 'billing', table: 'payment_cards', categories: [{ category: 'financial.payment_card' }] },
  {
    store: 'billing', table: 'invoices', parent: { table: 'orders', fk: 'order_id' },
    categories: [
      { category: 'financial.invoice', anonymise: `billing_name = 'erased', billing_address = 'erased'`, anonymised: `billing_name = 'erased' AND billing_address = 'erased'` },
      { category: 'financial.tax_id', anonymise: 'tax_id = NULL', anonymised: 'tax_id IS NULL' },
    ],
  },
  {
    store: 'billing', table: 'orders',
    categories: [{ category: 'financial.order', anonymise: `items = 'erased'`, anonymised: `items = 'erased'` }],
  },
];

/** The child table of a parent table, if any. */
export function childOf(table: string): PersonalTable | undefined {
  return PERSONAL_TABLES.find((t) => t.parent?.table === table);
}

/**
 * The identity categories on the customer row and how each is anonymised. Names become
 * 'erased' (NOT NULL columns); the date of birth becomes the fixed date 1900-01-01 rather than
 * the year only: a year of birth is still a quasi-identifier next to kept invoices, and no rule
 * needs the age of an erased customer (minors' rules are consent rules, which SUBJECT_ERASED
 * precedes); the column is NOT NULL, so a fixed date stands for "unknown".
 */
export const CUSTOMER_IDENTITY: readonly (Required<Pick<TableCategory, 'category' | 'anonymise' | 'anonymised'>>)[] = [
  {
    category: 'identity.name',
    anonymise: `first_name = 'erased', middle_name = NULL, last_name = 'erased', alias = NULL`,
    anonymised: `first_name = 'erased' AND middle_name IS NULL AND last_name = 'erased' AND alias IS NULL`,
  },
  { category: 'identity.date_of_birth', anonymise: `date_of_birth = DATE '1900-01-01'`, anonymised: `date_of_birth = DATE '1900-01-01'` },
  { category: 'identity.gender', anonymise: 'gender = NULL', anonymised: 'gender IS NULL' },
  { category: 'identity.nationality', anonymise: 'nationality = NULL', anonymised: 'nationality IS NULL' },
  { category: 'identity.national_id', anonymise: 'national_id = NULL', anonymised: 'national_id IS NULL' },
  { category: 'identity.passport', anonymise: 'passport_number = NULL', anonymised: 'passport_number IS NULL' },
];

// ---------------------------------------------------------------------------------------------
// How long a pack keeps a category
// ---------------------------------------------------------------------------------------------

/** The purposes that count for retention: all but the rights-administration ones; `legalOnly` keeps the legal-obligation ones. */
function holdingPurposes(pack: PolicyPack, legalOnly: boolean): Purpose[] {
  return Object.values(pack.purposes).filter(
    (p) => !RIGHTS_ADMINISTRATION_PURPOSES.includes(p.key) && (!legalOnly || p.lawfulBasis === 'legal_obligation'),
  );
}

export interface LongestRetention {
  /** False when no counted purpose covers the category. */
  readonly covered: boolean;
  /** Records collected at or before this instant are past every counted purpose; null = some purpose keeps them without limit (or none covers). */
  readonly cutoff: Date | null;
  /** The purpose and duration that set the cutoff. */
  readonly purpose: string | null;
  readonly retention: Duration | null;
}

/** The longest retention of a category across the pack's purposes (or its legal-obligation purposes only). */
export function longestRetention(pack: PolicyPack, category: string, now: Date, legalOnly = false): LongestRetention {
  let best: LongestRetention = { covered: false, cutoff: null, purpose: null, retention: null };
  for (const p of holdingPurposes(pack, legalOnly)) {
    if (!purposeCovers(p, category)) continue;
    const d = retentionFor(p, category);
    if (d === null) return { covered: true, cutoff: null, purpose: p.key, retention: null };
    const cutoff = subtractDuration(now, d);
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
 * Why a record of an erased customer is kept: the legal-obligation purpose of the pack that
 * covers its category and keeps it the longest, if its retention has not run out for this record
 * (the same test as decide()'s RETENTION_EXPIRED). Null: nothing keeps it.
 */
export function legalHold(pack: PolicyPack, category: string, collectedAt: Date, now: Date): LegalHold | null {
  let best: LegalHold | null = null;
  for (const p of holdingPurposes(pack, true)) {
    if (!purposeCovers(p, category)) continue;
    const d = retentionFor(p, category);
    if (d === null) return { purpose: p, retention: null, until: null };
    if (collectedAt <= subtractDuration(now, d)) continue;
    const until = addDuration(collectedAt, d);
    if (best === null || (best.until !== null && until > best.until)) best = { purpose: p, retention: d, until };
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// The sweep
// ---------------------------------------------------------------------------------------------

export interface SweepLine {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly categories: readonly string[];
  readonly action: 'deleted' | 'anonymised';
  /** Rows changed (or, in a dry run, that would be). */
  readonly rows: number;
  /** The longest retention that applied and the purpose that sets it (null: erased customers' rows only). */
  readonly retention: string | null;
  readonly purpose: string | null;
  readonly cutoff: Date | null;
}

export interface SweepWarning {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly category: string;
  readonly message: string;
}

export interface SweepReport {
  readonly pack: string;
  readonly now: Date;
  readonly dryRun: boolean;
  readonly erasedCustomers: number;
  readonly lines: SweepLine[];
  readonly warnings: SweepWarning[];
  /** Rows deleted or anonymised per category (a row counts for each category it holds). */
  readonly byCategory: Record<string, { deleted: number; anonymised: number }>;
}

export interface SweepOptions {
  readonly now: Date;
  readonly dryRun: boolean;
  /** Rows per statement (each its own transaction). */
  readonly batchSize?: number;
  /** Called after every batch with the running count of one line. */
  readonly onProgress?: (p: { table: string; action: 'deleted' | 'anonymised'; rows: number }) => void;
}

export const DEFAULT_SWEEP_BATCH = 5000;

/** A SQL condition with its parameters, composed with positional placeholders. */
class Sql {
  readonly params: unknown[] = [];
  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }
}

interface Due {
  /** Condition (over alias `t`) for rows past retention, or null when none can be. */
  cond(sql: Sql, alias: string): string | null;
  general: LongestRetention | null;
}

/**
 * Rows of a table that are past retention: past the longest retention of every category it
 * holds (general), or rows of erased customers past the longest legal-obligation retention.
 */
function dueFor(pack: PolicyPack, t: { categories: readonly { category: string }[] }, now: Date, erased: readonly string[]): Due & { uncovered: string[] } {
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
    if (cond === null) continue;

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

/** The report as text lines for the CLI. */
export function describeSweep(r: SweepReport): string[] {
  const verb = (a: 'deleted' | 'anonymised') => (r.dryRun ? (a === 'deleted' ? 'would delete' : 'would anonymise') : a);
  const out = r.lines.map((l) => {
    const why = l.retention ? `older than ${l.retention} (${l.purpose}), collected at or before ${l.cutoff!.toISOString()}` : 'erased customers only';
    return `${l.store}.${l.table} [${l.categories.join(', ')}]: ${verb(l.action)} ${l.rows} (${why})`;
  });
  const total = r.lines.reduce((n, l) => n + l.rows, 0);
  out.push(`${r.dryRun ? 'dry run: ' : ''}${total} rows ${r.dryRun ? 'past retention' : 'changed'} under pack ${r.pack} at ${r.now.toISOString()} (${r.erasedCustomers} erased customers)`);
  return out;
}

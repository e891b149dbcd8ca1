import { DataSource, QueryRunner } from 'typeorm';
import { GatewayError } from '../../errors';
import { Duration, PolicyPack } from '../../policy/pack.types';
import { addDuration } from '../../policy/duration';
import { decideBeforeRetention, isSensitive, purposeCovers, retentionFor } from '../../policy/decide';
import { TAXONOMY } from '../../policy/taxonomy';
import { CustomerState, foldCustomerState } from '../../policy/customer-state';
import { toEvent } from '../../stores/gateway/load-customer-state';
import { Stores } from '../../stores/open-stores';

/**
 * The right-to-access export (GDPR Art.15, PDPA s.30): everything the gateway's stores hold about
 * one customer, and what the law asks to accompany it, as a sequence of parts that a renderer
 * (render-json.ts, render-html.ts) turns into bytes as they come.
 *
 * - Each store is read inside one REPEATABLE READ, READ ONLY transaction on its own connection,
 *   so the document is each store as it stood at one instant: the inventory (what categories
 *   and how many records), which is logged before anything is sent, matches what is streamed.
 * - Personal data is grouped by category (the `@category` of the GraphQL field that shows each
 *   column; test/integration/subject-export.test.ts checks the two agree). A table whose fields
 *   span several categories (a login: IP address, user agent, time) is read once per category.
 * - Every list is read in keyset pages of `pageRows` (default 2,000): records by id, history
 *   events by id, access-log recipients by their group key. Memory holds one page, whatever the
 *   length of the customer's history.
 *
 * Values are shown as stored: timestamps as ISO 8601 UTC, dates as YYYY-MM-DD, decimal amounts
 * as strings, ids as strings.
 */
export const PAGE_ROWS = 2_000;
export const FORMAT_ID = 'privacy-gateway/subject-export@1';

type StoreKey = 'crm' | 'billing';
type Queryable = Pick<QueryRunner, 'query'>;

interface FieldSpec {
  /** The GraphQL field that shows this column. */
  readonly name: string;
  /** SQL expression (a column, or a formatting expression). */
  readonly sql: string;
  readonly category: string;
}

/** One personal-data table: the GraphQL type that shows its rows, and each field's category. */
export interface TableSpec {
  readonly type: string;
  readonly store: StoreKey;
  readonly table: string;
  /** Column that names the customer: `id` for customers, `customer_id` for every other table. */
  readonly key: string;
  /** A parent record the row belongs to (a login to its account, an invoice to its order). */
  readonly parent?: { readonly type: string; readonly column: string };
  readonly fields: readonly FieldSpec[];
}

const f = (name: string, category: string, sql?: string): FieldSpec => ({ name, category, sql: sql ?? name.replace(/[A-Z0-9]/g, (c) => `_${c.toLowerCase()}`) });

/** Every table of the CRM and billing stores that holds personal data, in document order. */
export const TABLES: readonly TableSpec[] = [
  { type: 'Customer', store: 'crm', table: 'customers', key: 'id', fields: [
    f('firstName', 'identity.name'), f('middleName', 'identity.name'), f('lastName', 'identity.name'), f('alias', 'identity.name'),
    f('dateOfBirth', 'identity.date_of_birth', `to_char(date_of_birth, 'YYYY-MM-DD')`), f('gender', 'identity.gender'),
    f('nationality', 'identity.nationality'), f('nationalId', 'identity.national_id'), f('passportNumber', 'identity.passport'),
  ] },
  { type: 'Email', store: 'crm', table: 'emails', key: 'customer_id', fields: [f('address', 'contact.email'), f('primary', 'contact.email', '"primary"')] },
  { type: 'Phone', store: 'crm', table: 'phones', key: 'customer_id', fields: [f('number', 'contact.phone'), f('kind', 'contact.phone')] },
  { type: 'PostalAddress', store: 'crm', table: 'postal_addresses', key: 'customer_id', fields: [
    f('line1', 'contact.address', 'line1'), f('line2', 'contact.address', 'line2'), f('city', 'contact.address'), f('postcode', 'contact.address'), f('country', 'contact.address'),
  ] },
  { type: 'SocialAccount', store: 'crm', table: 'social_accounts', key: 'customer_id', fields: [f('platform', 'contact.social_media'), f('handle', 'contact.social_media')] },
  { type: 'Account', store: 'crm', table: 'accounts', key: 'customer_id', fields: [f('username', 'account.username')] },
  { type: 'LoginEvent', store: 'crm', table: 'login_events', key: 'customer_id', parent: { type: 'Account', column: 'account_id' }, fields: [
    f('ipAddress', 'technical.ip_address'), f('userAgent', 'technical.user_agent'), f('occurredAt', 'technical.activity_time'),
  ] },
  { type: 'Communication', store: 'crm', table: 'communications', key: 'customer_id', fields: [
    f('channel', 'communication.support_ticket'), f('subject', 'communication.support_ticket'), f('occurredAt', 'communication.support_ticket'), f('body', 'communication.chat'),
  ] },
  { type: 'CallLog', store: 'crm', table: 'call_logs', key: 'customer_id', fields: [
    f('phoneNumber', 'communication.call_log'), f('direction', 'communication.call_log'), f('startedAt', 'communication.call_log'), f('durationSeconds', 'communication.call_log'),
  ] },
  { type: 'HealthDeclaration', store: 'crm', table: 'health_declarations', key: 'customer_id', fields: [
    f('visitedAt', 'health.declaration'), f('temperatureC', 'health.declaration', 'temperature_c::float8'), f('symptoms', 'health.declaration'),
    f('exposure', 'health.declaration'), f('vaccinationStatus', 'health.declaration'), f('testResult', 'health.declaration'), f('recentTravel', 'health.declaration'),
  ] },
  { type: 'BankAccount', store: 'billing', table: 'bank_accounts', key: 'customer_id', fields: [
    f('bankName', 'financial.bank_account'), f('accountHolder', 'financial.bank_account'), f('accountNumber', 'financial.bank_account'),
  ] },
  { type: 'PaymentCard', store: 'billing', table: 'payment_cards', key: 'customer_id', fields: [
    f('token', 'financial.payment_card'), f('last4', 'financial.payment_card', 'last4'), f('brand', 'financial.payment_card'),
    f('expiry', 'financial.payment_card', `lpad(expiry_month::text, 2, '0') || '/' || expiry_year`),
  ] },
  { type: 'Order', store: 'billing', table: 'orders', key: 'customer_id', fields: [
    f('orderedAt', 'financial.order'), f('total', 'financial.order'), f('currency', 'financial.order'), f('status', 'financial.order'), f('items', 'financial.order'),
  ] },
  { type: 'Invoice', store: 'billing', table: 'invoices', key: 'customer_id', parent: { type: 'Order', column: 'order_id' }, fields: [
    f('invoiceNumber', 'financial.invoice'), f('issuedAt', 'financial.invoice'), f('billingName', 'financial.invoice'), f('billingAddress', 'financial.invoice'),
    f('amount', 'financial.invoice'), f('taxId', 'financial.tax_id'),
  ] },
];

/** One pass of the export: the fields of one table that hold one category. */
interface Pass {
  readonly spec: TableSpec;
  readonly category: string;
  readonly fields: readonly FieldSpec[];
}

/** Passes in document order: grouped by category (taxonomy order), then by table order. */
const PASSES: readonly Pass[] = (() => {
  const out: Pass[] = [];
  for (const spec of TABLES) {
    for (const category of [...new Set(spec.fields.map((x) => x.category))]) out.push({ spec, category, fields: spec.fields.filter((x) => x.category === category) });
  }
  const order = Object.keys(TAXONOMY);
  return out
    .map((p, i) => ({ p, i }))
    .sort((a, b) => order.indexOf(a.p.category) - order.indexOf(b.p.category) || a.i - b.i)
    .map(({ p }) => p);
})();

/** The categories the export can hold, in document order. */
export const EXPORT_CATEGORIES: readonly string[] = [...new Set(PASSES.map((p) => p.category))];

// ---------------------------------------------------------------------------------------------
// The document's parts
// ---------------------------------------------------------------------------------------------

export interface DataRecord {
  type: string;
  id: string;
  source: string;
  collectedAt: string;
  parent: { type: string; id: string } | null;
  values: Record<string, unknown>;
}

export interface CategoryInventory {
  category: string;
  description: string;
  sensitive: boolean;
  /** Records holding data of the category. */
  count: number;
}

export interface PurposeView {
  key: string;
  description: string;
  lawfulBasis: string;
  directMarketing: boolean;
  /** The purpose's categories as the pack states them (a parent covers its children). */
  packCategories: string[];
  /** Categories held about the customer that the purpose covers: retention, and whether it may use them now. */
  categories: { category: string; retention: string | null; effect: 'ALLOW' | 'MASK' | 'DENY'; reason: string | null }[];
}

export interface RetentionView {
  category: string;
  /** Longest retention over the purposes covering it; null when none covers it or one keeps it without limit (see purposes). */
  longest: string | null;
  purposes: { purpose: string; retention: string | null }[];
}

export interface ExportHead {
  format: string;
  generatedAt: string;
  subject: { customerId: string; firstName: string; middleName: string | null; lastName: string };
  policy: { packId: string; title: string; hash: string; effective: string | null; language: 'th' | 'en' };
  controller: { name: string; contact: Record<string, string> };
  dpo: Record<string, string>;
  regulator: { name: string; contact: string };
  rights: { granted: string[]; responseDeadline: string };
  categories: CategoryInventory[];
  purposes: PurposeView[];
  retention: RetentionView[];
  declaredRecipients: { name: string; purposes: string[]; categories: string[] }[];
  transfersAbroad: { country: string; safeguard: string }[];
  automatedDecisions: string | null;
  sources: { key: string; description: string }[];
}

export const HISTORY_LISTS = ['consents', 'objections', 'restrictions', 'rectifications', 'erasures'] as const;
export type HistoryList = (typeof HISTORY_LISTS)[number];

export interface Recipient {
  caller: string;
  purpose: string | null;
  category: string;
  effect: 'ALLOW' | 'MASK';
  firstAt: string;
  lastAt: string;
  count: number;
}

/**
 * The parts after the head, always in this order: every category (each followed by pages of its
 * records), then every history list in HISTORY_LISTS order (each followed by pages of events),
 * then `recipients` followed by pages of recipient rows. A section with nothing in it still
 * appears (except categories, which appear only when they hold records).
 */
export type ExportPart =
  | { kind: 'category'; category: string; count: number }
  | { kind: 'records'; records: DataRecord[] }
  | { kind: 'history'; list: HistoryList }
  | { kind: 'events'; events: Record<string, unknown>[] }
  | { kind: 'recipients' }
  | { kind: 'recipientRows'; rows: Recipient[] };

export interface SubjectExport {
  readonly head: ExportHead;
  /** Categories with at least one record: what the access log records as exported. */
  readonly exportedCategories: readonly string[];
  parts(): AsyncGenerator<ExportPart>;
  /** Ends the snapshot transactions and returns the connections. Safe to call twice. */
  close(): Promise<void>;
}

export interface ExportOptions {
  stores: Stores;
  pack: PolicyPack;
  now: Date;
  pageRows?: number;
  /** Access-log entries of this request are not counted as recipients (the export's own entries). */
  requestId?: string;
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

interface Snapshot {
  qr: QueryRunner;
  began: boolean;
}

async function openSnapshot(ds: DataSource): Promise<Snapshot> {
  const qr = ds.createQueryRunner();
  const s = { qr, began: false };
  try {
    await qr.connect();
    await qr.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    s.began = true;
  } catch (err) {
    await closeSnapshot(s);
    throw err;
  }
  return s;
}

async function closeSnapshot(s: Snapshot): Promise<void> {
  if (s.began) {
    s.began = false;
    await s.qr.query('ROLLBACK').catch(() => undefined);
  }
  if (!s.qr.isReleased) await s.qr.release().catch(() => undefined);
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
/** A stored value as the document shows it. */
function show(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  return v;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

const presentSql = (fields: readonly FieldSpec[]) => `(${fields.map((x) => `(${x.sql}) IS NOT NULL`).join(' OR ')})`;

function passSql(p: Pass, keyset: boolean): string {
  const cols = p.fields.map((x) => `${x.sql} AS "${x.name}"`).join(', ');
  const parent = p.spec.parent ? `, ${p.spec.parent.column}::text AS "_parent"` : '';
  return `SELECT id::text AS "_id", source AS "_source", collected_at AS "_collected_at"${parent}, ${cols}
    FROM ${p.spec.table} WHERE ${p.spec.key} = $1 AND ${presentSql(p.fields)}${keyset ? ' AND id > $3' : ''}
    ORDER BY id LIMIT $2`;
}

function toRecord(p: Pass, r: Record<string, unknown>): DataRecord {
  const values: Record<string, unknown> = {};
  for (const x of p.fields) values[x.name] = show(r[x.name]);
  return {
    type: p.spec.type,
    id: String(r._id),
    source: String(r._source),
    collectedAt: iso(r._collected_at),
    parent: p.spec.parent && r._parent != null ? { type: p.spec.parent.type, id: String(r._parent) } : null,
    values,
  };
}

/** Per pass, how many records hold the category: one statement per store. */
async function inventory(snapshots: Record<StoreKey, Snapshot>, customerId: string): Promise<Map<Pass, number>> {
  const out = new Map<Pass, number>();
  for (const store of ['crm', 'billing'] as const) {
    const passes = PASSES.filter((p) => p.spec.store === store);
    const sql = passes.map((p, i) => `SELECT ${i} AS n, count(*)::int AS c FROM ${p.spec.table} WHERE ${p.spec.key} = $1 AND ${presentSql(p.fields)}`).join('\nUNION ALL ');
    const rows: { n: number; c: number }[] = await snapshots[store].qr.query(sql, [customerId]);
    for (const r of rows) out.set(passes[r.n], r.c);
  }
  return out;
}

const HISTORY_SQL: Record<HistoryList, string> = {
  consents: `SELECT id::text AS id, purpose, action, given_by AS "givenBy", explicit, expires_at AS "expiresAt", source, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM consent_events`,
  objections: `SELECT id::text AS id, purpose, category, action, reason, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM objection_events`,
  restrictions: `SELECT id::text AS id, category, purpose, action, reason, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM restriction_events`,
  rectifications: `SELECT id::text AS id, category, action, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM rectification_events`,
  erasures: `SELECT id::text AS id, recorded_at AS "recordedAt", recorded_by AS "recordedBy" FROM erasures`,
};

/** The state decisions use, folded from the same snapshot the history is read from. */
const STATE_SQL = `
  SELECT 'consent' AS kind, customer_id, id, recorded_at, purpose, action, given_by, explicit, expires_at, NULL AS category FROM consent_events WHERE customer_id = $1
  UNION ALL SELECT 'objection', customer_id, id, recorded_at, purpose, action, NULL, NULL, NULL, category FROM objection_events WHERE customer_id = $1
  UNION ALL SELECT 'restriction', customer_id, id, recorded_at, purpose, action, NULL, NULL, NULL, category FROM restriction_events WHERE customer_id = $1
  UNION ALL SELECT 'rectification', customer_id, id, recorded_at, NULL, action, NULL, NULL, NULL, category FROM rectification_events WHERE customer_id = $1
  UNION ALL SELECT 'erasure', customer_id, id, recorded_at, NULL, NULL, NULL, NULL, NULL, NULL FROM erasures WHERE customer_id = $1
  ORDER BY recorded_at, kind, id`;

/**
 * Recipients: who read which category for which purpose and was given it (ALLOW or MASK), first
 * and last time, how often. Keyset over the group key, compared in the "C" collation so the page
 * boundary and the order agree whatever the database locale.
 */
function recipientsSql(keyset: boolean): string {
  return `SELECT caller, purpose, category, effect, min(at) AS "firstAt", max(at) AS "lastAt", count(*)::bigint AS count
    FROM access_log
    WHERE customer_id = $1 AND effect IN ('ALLOW', 'MASK') AND request_id <> $2
      ${keyset ? `AND (caller COLLATE "C", coalesce(purpose, '') COLLATE "C", category COLLATE "C", effect COLLATE "C") > ($4, $5, $6, $7)` : ''}
    GROUP BY caller, purpose, category, effect
    ORDER BY caller COLLATE "C", coalesce(purpose, '') COLLATE "C", category COLLATE "C", effect COLLATE "C"
    LIMIT $3`;
}

// ---------------------------------------------------------------------------------------------
// The head: everything small, from the pack, the customer row and the customer's state
// ---------------------------------------------------------------------------------------------

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Longest of several retentions; null when the list is empty or one keeps the data without limit. */
function longest(list: { duration: Duration | null }[], now: Date): string | null {
  if (!list.length || list.some((x) => x.duration === null)) return null;
  let best: { iso: string; until: number } | null = null;
  for (const { duration } of list) {
    const until = addDuration(now, duration!).getTime();
    if (!best || until > best.until) best = { iso: duration!.iso, until };
  }
  return best!.iso;
}

function buildHead(pack: PolicyPack, now: Date, customer: Record<string, unknown>, state: CustomerState, inv: CategoryInventory[]): ExportHead {
  const raw = pack.raw as Raw;
  const held = inv.map((c) => c.category);
  const purposes: PurposeView[] = [];
  const retention = new Map<string, { purpose: string; duration: Duration | null }[]>(held.map((c) => [c, []]));
  for (const purpose of Object.values(pack.purposes)) {
    const covered = held.filter((c) => purposeCovers(purpose, c));
    if (!covered.length) continue;
    purposes.push({
      key: purpose.key,
      description: purpose.description,
      lawfulBasis: purpose.lawfulBasis,
      directMarketing: purpose.directMarketing,
      packCategories: [...purpose.categories],
      categories: covered.map((category) => {
        const d = decideBeforeRetention(pack, purpose, category, state, now);
        const duration = retentionFor(purpose, category);
        retention.get(category)!.push({ purpose: purpose.key, duration });
        return { category, retention: duration?.iso ?? null, effect: d.effect, reason: d.reason };
      }),
    });
  }
  return {
    format: FORMAT_ID,
    generatedAt: now.toISOString(),
    subject: {
      customerId: String(customer.id),
      firstName: String(customer.first_name),
      middleName: (customer.middle_name as string | null) ?? null,
      lastName: String(customer.last_name),
    },
    policy: {
      packId: pack.id, title: pack.title, hash: pack.hash,
      effective: raw.pack?.effective == null ? null : raw.pack.effective instanceof Date ? raw.pack.effective.toISOString().slice(0, 10) : String(raw.pack.effective),
      language: pack.language,
    },
    controller: { name: pack.controller.name, contact: stringRecord(pack.controller.contact) },
    dpo: stringRecord(pack.controller.dpo),
    regulator: { name: pack.regulator.name, contact: String(pack.regulator.contact) },
    rights: { granted: [...pack.rights.granted], responseDeadline: pack.rights.responseDeadline.iso },
    categories: inv,
    purposes,
    retention: held.map((category) => {
      const list = retention.get(category)!;
      return { category, longest: longest(list, now), purposes: list.map((x) => ({ purpose: x.purpose, retention: x.duration?.iso ?? null })) };
    }),
    declaredRecipients: ((raw.recipients ?? []) as Raw[]).map((r) => ({ name: String(r.name), purposes: (r.purposes ?? []).map(String), categories: (r.categories ?? []).map(String) })),
    transfersAbroad: ((raw.transfers_abroad ?? []) as Raw[]).map((t) => ({ country: String(t.country), safeguard: String(t.safeguard) })),
    automatedDecisions: raw.automated_decisions == null ? null : String(raw.automated_decisions),
    sources: ((raw.sources ?? []) as Raw[]).map((s) => ({ key: String(s.key), description: String(s.description) })),
  };
}

function stringRecord(o: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v != null) out[k] = String(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Opening an export
// ---------------------------------------------------------------------------------------------

/**
 * Opens the snapshots, reads the customer, its state and the inventory. Null when the CRM store
 * holds no such customer. Throws STORE_UNAVAILABLE or CONSENT_STATE_UNAVAILABLE (nothing held
 * open then). The caller must `close()` what it gets.
 */
export async function openSubjectExport(opts: ExportOptions, customerId: string): Promise<SubjectExport | null> {
  const pageRows = opts.pageRows ?? PAGE_ROWS;
  const snapshots: Partial<Record<StoreKey | 'gateway', Snapshot>> = {};
  const closeAll = async () => {
    await Promise.all(Object.values(snapshots).map((s) => closeSnapshot(s!)));
  };
  try {
    let customer: Record<string, unknown> | undefined;
    let counts: Map<Pass, number>;
    try {
      snapshots.crm = await openSnapshot(opts.stores.crm);
      [customer] = await snapshots.crm.qr.query(`SELECT id, first_name, middle_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD') AS dob FROM customers WHERE id = $1`, [customerId]);
      if (!customer) {
        await closeAll();
        return null;
      }
      snapshots.billing = await openSnapshot(opts.stores.billing);
      counts = await inventory(snapshots as Record<StoreKey, Snapshot>, customerId);
    } catch {
      throw new GatewayError('STORE_UNAVAILABLE', 'A personal-data store is unavailable');
    }
    let state: CustomerState;
    try {
      snapshots.gateway = await openSnapshot(opts.stores.gateway);
      const events = await snapshots.gateway.qr.query(STATE_SQL, [customerId]);
      state = foldCustomerState(customerId, (customer.dob as string) ?? null, (events as Parameters<typeof toEvent>[0][]).map(toEvent), opts.now);
    } catch {
      throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned');
    }

    const inv: CategoryInventory[] = [];
    for (const category of EXPORT_CATEGORIES) {
      const count = PASSES.filter((p) => p.category === category).reduce((n, p) => n + (counts.get(p) ?? 0), 0);
      if (count > 0) inv.push({ category, description: TAXONOMY[category]?.description ?? category, sensitive: isSensitive(opts.pack, category), count });
    }
    const head = buildHead(opts.pack, opts.now, customer, state, inv);
    const snap = snapshots as Record<StoreKey | 'gateway', Snapshot>;

    async function* parts(): AsyncGenerator<ExportPart> {
      for (const c of inv) {
        yield { kind: 'category', category: c.category, count: c.count };
        for (const p of PASSES) {
          if (p.category !== c.category || !counts.get(p)) continue;
          let last: string | null = null;
          for (;;) {
            const rows: Record<string, unknown>[] = await snap[p.spec.store].qr.query(passSql(p, last !== null), last === null ? [customerId, pageRows] : [customerId, pageRows, last]);
            if (rows.length) yield { kind: 'records', records: rows.map((r) => toRecord(p, r)) };
            if (rows.length < pageRows) break;
            last = String(rows[rows.length - 1]._id);
          }
        }
      }
      for (const list of HISTORY_LISTS) {
        yield { kind: 'history', list };
        let last: string | null = null;
        for (;;) {
          const rows: Record<string, unknown>[] = await snap.gateway.qr.query(
            `${HISTORY_SQL[list]} WHERE customer_id = $1${last === null ? '' : ' AND id > $3'} ORDER BY id LIMIT $2`,
            last === null ? [customerId, pageRows] : [customerId, pageRows, last],
          );
          if (rows.length) yield { kind: 'events', events: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, show(v)]))) };
          if (rows.length < pageRows) break;
          last = String(rows[rows.length - 1].id);
        }
      }
      yield { kind: 'recipients' };
      let key: Recipient | null = null;
      for (;;) {
        const params: unknown[] = [customerId, opts.requestId ?? '', pageRows];
        if (key) params.push(key.caller, key.purpose ?? '', key.category, key.effect);
        const rows: Record<string, unknown>[] = await snap.gateway.qr.query(recipientsSql(key !== null), params);
        const page: Recipient[] = rows.map((r) => ({
          caller: String(r.caller), purpose: (r.purpose as string | null) ?? null, category: String(r.category), effect: r.effect as 'ALLOW' | 'MASK',
          firstAt: iso(r.firstAt), lastAt: iso(r.lastAt), count: Number(r.count),
        }));
        if (page.length) yield { kind: 'recipientRows', rows: page };
        if (rows.length < pageRows) break;
        key = page[page.length - 1];
      }
    }

    return { head, exportedCategories: inv.map((c) => c.category), parts, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

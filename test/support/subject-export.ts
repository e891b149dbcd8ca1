import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GraphQLObjectType } from 'graphql';
import request from 'supertest';
import { startTestGateway, TestGateway } from './gateway';
import { loadSubjects } from '../../src/stores/demo/loader';
import { buildBareSchema } from '../../src/graphql/schema';
import { categoryOf } from '../../src/graphql/category.directive';
import { loadPack } from '../../src/policy/load-pack';
import { decideBeforeRetention, purposeCovers } from '../../src/policy/decide';
import { loadCustomerStates } from '../../src/stores/gateway/load-customer-state';
import { TAXONOMY } from '../../src/policy/taxonomy';
import { ask, consent, object, rectificationPending, restrict } from '../fixtures/pack-scenarios';
import { expectedPolicyHashOfText } from './policy-hash';

/**
 * Shared by test/integration/subject-export-*.test.ts (the right-to-access export,
 * GET /subjects/{id}/export and GraphQL subjectExport): the gateway with its export subject (a
 * customer seeded by the demo generator, some history, a few reads by services), and the export
 * document as it must be, built from what the stores hold, read directly.
 */
export const ROOT = path.resolve(__dirname, '../..');
const SEED = 4242;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// What the stores hold, read directly
// ---------------------------------------------------------------------------------------------

/** Every CRM and billing table, the GraphQL type that shows its rows, and its links. */
const STORE_TABLES: { store: 'crm' | 'billing'; table: string; type: string; key: string; parent?: { type: string; column: string } }[] = [
  { store: 'crm', table: 'customers', type: 'Customer', key: 'id' },
  { store: 'crm', table: 'emails', type: 'Email', key: 'customer_id' },
  { store: 'crm', table: 'phones', type: 'Phone', key: 'customer_id' },
  { store: 'crm', table: 'postal_addresses', type: 'PostalAddress', key: 'customer_id' },
  { store: 'crm', table: 'social_accounts', type: 'SocialAccount', key: 'customer_id' },
  { store: 'crm', table: 'accounts', type: 'Account', key: 'customer_id' },
  { store: 'crm', table: 'login_events', type: 'LoginEvent', key: 'customer_id', parent: { type: 'Account', column: 'account_id' } },
  { store: 'crm', table: 'communications', type: 'Communication', key: 'customer_id' },
  { store: 'crm', table: 'call_logs', type: 'CallLog', key: 'customer_id' },
  { store: 'crm', table: 'health_declarations', type: 'HealthDeclaration', key: 'customer_id' },
  { store: 'billing', table: 'bank_accounts', type: 'BankAccount', key: 'customer_id' },
  { store: 'billing', table: 'payment_cards', type: 'PaymentCard', key: 'customer_id' },
  { store: 'billing', table: 'orders', type: 'Order', key: 'customer_id' },
  { store: 'billing', table: 'invoices', type: 'Invoice', key: 'customer_id', parent: { type: 'Order', column: 'order_id' } },
];
/** Columns that are not data about the person: keys, links and provenance (provenance is reported per record). */
export const STRUCTURAL = new Set(['id', 'customer_id', 'account_id', 'order_id', 'source', 'collected_at']);
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** Field name -> category of a GraphQL type, from the schema's @category tags. */
export function fieldCategories(typeName: string): [string, string][] {
  const type = buildBareSchema().getType(typeName) as GraphQLObjectType;
  return Object.values(type.getFields()).flatMap((f) => {
    const c = categoryOf(f);
    return c ? [[f.name, c] as [string, string]] : [];
  });
}

/** A stored value as the export must show it (date_of_birth is read as YYYY-MM-DD text). */
function shown(column: string, v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (column === 'temperature_c') return Number(v);
  return v;
}

type Rec = { type: string; id: string; source: string; collectedAt: string; parent: { type: string; id: string } | null; values: Record<string, unknown> };

/** The `personalData` section as it must be, from SELECT * on every table. */
async function expectedPersonalData(gw: TestGateway, customerId: string) {
  const byCategory = new Map<string, Rec[]>();
  for (const t of STORE_TABLES) {
    const extra = t.table === 'customers' ? `, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth` : '';
    const rows: Record<string, unknown>[] = await gw.stores[t.store].query(`SELECT *${extra} FROM ${t.table} WHERE ${t.key} = $1 ORDER BY id`, [customerId]);
    const fields = fieldCategories(t.type);
    for (const row of rows) {
      const values: Record<string, unknown> = {};
      for (const [col, v] of Object.entries(row)) if (!STRUCTURAL.has(col) && col !== 'expiry_month' && col !== 'expiry_year') values[camel(col)] = shown(col, v);
      if (t.table === 'payment_cards') values.expiry = `${String(row.expiry_month).padStart(2, '0')}/${row.expiry_year}`;
      // Every column is shown by a tagged field of the type: nothing held is left out.
      expect(Object.keys(values).sort()).toEqual(fields.map(([f]) => f).sort());
      for (const category of [...new Set(fields.map(([, c]) => c))]) {
        const own = fields.filter(([, c]) => c === category).map(([f]) => f);
        if (own.every((f) => values[f] === null)) continue;
        const list = byCategory.get(category) ?? [];
        list.push({
          type: t.type, id: String(row.id), source: String(row.source), collectedAt: (row.collected_at as Date).toISOString(),
          parent: t.parent ? { type: t.parent.type, id: String(row[t.parent.column]) } : null,
          values: Object.fromEntries(own.map((f) => [f, values[f]])),
        });
        byCategory.set(category, list);
      }
    }
  }
  const order = Object.keys(TAXONOMY);
  return [...byCategory.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([category, records]) => ({ category, count: records.length, records }));
}

async function expectedHistory(gw: TestGateway, customerId: string) {
  const q = (sql: string) => gw.stores.gateway.query(`${sql} WHERE customer_id = $1 ORDER BY id`, [customerId]) as Promise<Record<string, unknown>[]>;
  const ts = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  return {
    consents: (await q('SELECT * FROM consent_events')).map((r) => ({
      id: String(r.id), purpose: r.purpose, action: r.action, givenBy: r.given_by, explicit: r.explicit, expiresAt: ts(r.expires_at), source: r.source, recordedAt: ts(r.recorded_at), recordedBy: r.recorded_by,
    })),
    objections: (await q('SELECT * FROM objection_events')).map((r) => ({
      id: String(r.id), purpose: r.purpose, category: r.category, action: r.action, reason: r.reason, recordedAt: ts(r.recorded_at), recordedBy: r.recorded_by,
    })),
    restrictions: (await q('SELECT * FROM restriction_events')).map((r) => ({
      id: String(r.id), category: r.category, purpose: r.purpose, action: r.action, reason: r.reason, recordedAt: ts(r.recorded_at), recordedBy: r.recorded_by,
    })),
    rectifications: (await q('SELECT * FROM rectification_events')).map((r) => ({ id: String(r.id), category: r.category, action: r.action, recordedAt: ts(r.recorded_at), recordedBy: r.recorded_by })),
    erasures: (await q('SELECT * FROM erasures')).map((r) => ({ id: String(r.id), recordedAt: ts(r.recorded_at), recordedBy: r.recorded_by })),
  };
}

/** Recipients aggregated here from the raw rows (not with the export's GROUP BY). */
async function expectedRecipients(gw: TestGateway, customerId: string, excludeRequestId: string | null) {
  const rows: { caller: string; purpose: string | null; category: string; effect: string; at: Date; request_id: string }[] = await gw.stores.gateway.query(
    `SELECT caller, purpose, category, effect, at, request_id FROM access_log_entries WHERE customer_id = $1`, [customerId]);
  const groups = new Map<string, { caller: string; purpose: string | null; category: string; effect: string; firstAt: Date; lastAt: Date; count: number }>();
  for (const r of rows) {
    if (r.request_id === excludeRequestId || (r.effect !== 'ALLOW' && r.effect !== 'MASK')) continue;
    const k = [r.caller, r.purpose ?? '', r.category, r.effect].join('\u0000');
    const g = groups.get(k);
    if (!g) groups.set(k, { caller: r.caller, purpose: r.purpose, category: r.category, effect: r.effect, firstAt: r.at, lastAt: r.at, count: 1 });
    else {
      g.count++;
      if (r.at < g.firstAt) g.firstAt = r.at;
      if (r.at > g.lastAt) g.lastAt = r.at;
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0); // code-point order, as COLLATE "C"
  return [...groups.entries()]
    .sort(([a], [b]) => cmp(a, b))
    .map(([, g]) => ({ ...g, firstAt: g.firstAt.toISOString(), lastAt: g.lastAt.toISOString() }));
}

/** The whole document as it must be, built from the stores, the pack file and the access log. */
export async function expectedDocumentOf(gw: TestGateway, customerId: string, generatedAt: string, excludeRequestId: string | null) {
  const pack = loadPack(gw.config.policyPath);
  const text = fs.readFileSync(gw.config.policyPath, 'utf8');
  const raw = parseYaml(text);
  const personalData = await expectedPersonalData(gw, customerId);
  const held = personalData.map((c) => c.category);
  const [c] = await gw.stores.crm.query(`SELECT id, first_name, middle_name, last_name, to_char(date_of_birth, 'YYYY-MM-DD') AS dob FROM customers WHERE id = $1`, [customerId]);
  const state = (await loadCustomerStates(gw.stores.gateway, [{ id: customerId, dateOfBirth: c.dob }], new Date(generatedAt))).get(customerId)!;
  const retentionOf = (p: { retention?: Record<string, string> }, category: string) => {
    const keys = Object.keys(p.retention ?? {}).filter((k) => k !== 'default' && (category === k || category.startsWith(`${k}.`)));
    keys.sort((a, b) => b.length - a.length);
    return keys.length ? p.retention![keys[0]] : (p.retention?.default ?? null);
  };
  const purposes = (raw.purposes as { key: string; description: string; lawful_basis: string; direct_marketing?: boolean; categories: string[]; retention?: Record<string, string> }[])
    .map((p) => ({ p, covered: held.filter((cat) => purposeCovers(pack.purposes[p.key], cat)) }))
    .filter(({ covered }) => covered.length > 0)
    .map(({ p, covered }) => ({
      key: p.key, description: p.description, lawfulBasis: p.lawful_basis, directMarketing: p.direct_marketing === true, packCategories: p.categories,
      categories: covered.map((category) => {
        const d = decideBeforeRetention(pack, pack.purposes[p.key], category, state, new Date(generatedAt));
        return { category, retention: retentionOf(p, category), effect: d.effect, reason: d.reason };
      }),
    }));
  const years = (iso: string) => Number(/^P(\d+)Y$/.exec(iso)?.[1] ?? NaN);
  // The rights-administration purposes hold nothing longer: they are left out of the retention.
  const RIGHTS_ADMINISTRATION = ['data_subject_request', 'consent_management'];
  const notCollected = ((raw.not_collected ?? []) as { key: string }[]).map((x) => x.key);
  return {
    format: 'privacy-gateway/subject-export@1',
    generatedAt,
    subject: { customerId, firstName: c.first_name, middleName: c.middle_name, lastName: c.last_name },
    policy: { packId: raw.pack.id, title: raw.pack.title, hash: expectedPolicyHashOfText(text), effective: String(raw.pack.effective), language: raw.pack.language },
    controller: { name: raw.controller.name, contact: raw.controller.contact },
    dpo: raw.controller.dpo,
    regulator: raw.regulator,
    rights: { granted: raw.rights.granted, responseDeadline: raw.rights.response_deadline },
    categories: personalData.map((p) => ({ category: p.category, description: TAXONOMY[p.category].description, sensitive: p.category.startsWith('health'), count: p.count })),
    purposes,
    retention: held.map((category) => {
      const list = purposes.filter((p) => !RIGHTS_ADMINISTRATION.includes(p.key) && p.categories.some((x) => x.category === category))
        .map((p) => ({ purpose: p.key, retention: p.categories.find((x) => x.category === category)!.retention }));
      if (!list.length) {
        const rule = notCollected.some((k) => category === k || category.startsWith(`${k}.`)) ? 'not_collected' : 'no_purpose';
        return { category, rule, retention: null, purpose: null, purposes: [] };
      }
      const unlimited = list.find((x) => x.retention === null);
      if (unlimited) return { category, rule: 'no_limit', retention: null, purpose: unlimited.purpose, purposes: list };
      // Every SmartTech retention is in whole years: the longest is the largest number of years (the first such purpose).
      expect(list.every((x) => years(x.retention!) > 0)).toBe(true);
      const longest = list.reduce((a, b) => (years(b.retention!) > years(a.retention!) ? b : a));
      return { category, rule: 'retention', retention: longest.retention, purpose: longest.purpose, purposes: list };
    }),
    declaredRecipients: (raw.recipients ?? []).map((r: { name: string; purposes: string[]; categories: string[] }) => ({ name: r.name, purposes: r.purposes, categories: r.categories })),
    transfersAbroad: (raw.transfers_abroad ?? []).map((t: { country: string; safeguard: string }) => ({ country: t.country, safeguard: t.safeguard })),
    automatedDecisions: raw.automated_decisions,
    sources: raw.sources.map((s: { key: string; description: string }) => ({ key: s.key, description: s.description })),
    personalData,
    history: await expectedHistory(gw, customerId),
    recipients: await expectedRecipients(gw, customerId, excludeRequestId),
  };
}

// ---------------------------------------------------------------------------------------------
// Setup: demo subjects, some history, some reads by services
// ---------------------------------------------------------------------------------------------

export const exportUrl = (id: string, query = '') => `/subjects/${id}/export${query}`;

export interface ExportGateway { gw: TestGateway; subject: { id: string; name: string }; dpoToken: string }

/**
 * One export test file's gateway: started before its tests (handed to `ready`), closed after.
 * `get` sends a GET to it; `dpo` is the DPO console's headers for an access request.
 */
export function exportSuite(ready: (e: ExportGateway) => void) {
  let current: ExportGateway | undefined;
  beforeAll(async () => {
    current = await startExportGateway();
    ready(current);
  });
  afterAll(() => current?.gw.close());
  return {
    get: (url: string, headers: Record<string, string>) => request(current!.gw.gateway.server).get(url).set(headers),
    dpo: (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${current!.dpoToken}`, 'x-purpose': 'data_subject_request', ...extra }),
  };
}

/** A gateway over fresh databases holding the demo subjects; `subject` holds the most kinds of data, some history, and was read by services. */
export async function startExportGateway(): Promise<ExportGateway> {
  const gw = await startTestGateway();
  try {
    const dpoToken = await gw.token('dpo-console', ['dpo']);
    await loadSubjects(gw.stores, { subjects: 8, seed: SEED, now: new Date(Date.now() - DAY), consentPurposes: ['marketing'] });
    // The subject holding the most kinds of data (and, among those, the most records).
    const kinds = new Map<string, number>();
    for (const t of STORE_TABLES.filter((x) => x.table !== 'customers')) {
      const rows: { id: string; n: number }[] = await gw.stores[t.store].query(`SELECT customer_id AS id, count(*)::int AS n FROM ${t.table} GROUP BY customer_id`);
      for (const r of rows) kinds.set(r.id, (kinds.get(r.id) ?? 0) + 1000 + r.n);
    }
    const ranked = [...kinds.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const [best] = await gw.stores.crm.query(`SELECT id, concat_ws(' ', first_name, middle_name, last_name) AS name FROM customers WHERE id = $1`, [ranked[0][0]]);
    const subject = { id: best.id, name: best.name };
    // History: a consent, an objection, a restriction (lifted), a pending rectification.
    await consent(gw.stores, subject.id, 'marketing', { givenBy: 'subject', explicit: true });
    await object(gw.stores, subject.id, 'feedback');
    await restrict(gw.stores, subject.id, { category: 'contact.address', purpose: 'after_sales' });
    await gw.stores.gateway.query(`INSERT INTO restriction_events (customer_id, category, purpose, action, recorded_by) VALUES ($1, 'contact.address', 'after_sales', 'lift', 'test')`, [subject.id]);
    await rectificationPending(gw.stores, subject.id, 'contact.phone');
    // A bank account collected now, so payment's masked read of it is within retention.
    await gw.stores.billing.query(`INSERT INTO bank_accounts (customer_id, bank_name, account_holder, account_number, source, collected_at) VALUES ($1, 'Kasikornbank', $2, '0123456789', 'checkout', now())`, [subject.id, subject.name]);
    // Reads by services: recipients (ALLOW and MASK), and denials that are not recipients.
    const q = (fields: string) => `{ customer(id: "${subject.id}") { id ${fields} } }`;
    for (let i = 0; i < 2; i++) expect((await ask(gw, 'crm-service', 'account_management', q('firstName lastName emails { address } accounts { username }'))).status).toBe(200);
    expect((await ask(gw, 'billing-service', 'payment', q('firstName bankAccounts { accountNumber } orders { total }'))).status).toBe(200);
    expect((await ask(gw, 'support-service', 'after_sales', q('firstName emails { address }'))).status).toBe(200);
    expect((await ask(gw, 'crm-service', 'account_management', q('nationalId'))).status).toBe(200); // DENY: not a recipient
    return { gw, subject, dpoToken };
  } catch (e) {
    await gw.close();
    throw e;
  }
}

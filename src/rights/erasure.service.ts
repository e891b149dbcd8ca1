import { EntityManager } from 'typeorm';
import { subYears } from 'date-fns';
import { utc } from '@date-fns/utc';
import { GatewayError } from '../errors';
import { ageAt } from '../policy/decide';
import { PolicyPack } from '../policy/pack.types';
import { guardianConsentOnRecord, guardianRuleCovers } from '../policy/minors';
import { loadCustomerStates } from '../stores/gateway/load-customer-state';
import { Stores } from '../stores/open-stores';
import { assertOpenRequest, completeAfterOperation, onGateway } from './requests.service';
import { discardPendingRectifications } from './rectification.service';
import { legalHold } from './retention-sweep-plan';
import { rowsChanged } from './retention-sweep-run';
import { CUSTOMER_IDENTITY, PERSONAL_TABLES } from './retention-sweep-tables';

/**
 * Erasure (right to be forgotten, PDPA s.33, GDPR Art.17): erases or anonymises a customer's data
 * in both stores, except what a legal obligation of the pack in force still keeps, and returns a
 * receipt (what was erased, what was kept, why, and until when). Values never appear in it.
 *
 * Order, chosen so that a failure half-way never leaves data readable:
 *  1. an `erasures` row is appended first: from then on every read is SUBJECT_ERASED except what
 *     a legal hold keeps, for that hold and for rights administration (decide(), rule 2);
 *  2. the CRM store, in one transaction: the customer row is ANONYMISED (it stays, as the anchor
 *     of kept records and of the gateway's histories: names 'erased', date of birth 1900-01-01,
 *     gender, nationality, national id and passport null); every other record is deleted unless
 *     kept (see below);
 *  3. the billing store, in one transaction, the same way;
 *  4. the gateway: corrections still pending are discarded (their values are personal data);
 *  5. the receipt is stored (erasure_receipts) and the request, if one is given, completed.
 * If a store step fails, the customer is already erased for every reader; running eraseCustomer
 * again finishes the job (every step is idempotent).
 *
 * A record is KEPT when a legal hold of the pack keeps one of its categories (a legal-obligation
 * purpose's `kept_after_erasure`, src/policy/legal-hold.ts) and its retention for that category
 * has not run out for the record (the same test as RETENTION_EXPIRED): e.g. a 2-year-old tax
 * invoice under a P5Y tax purpose, kept until collected at + 5 years. A category the purpose
 * covers but does not keep is not kept: SMSMKT's tax invoicing covers the e-mail and phone to SEND
 * the invoice, and keeps only the invoice and its order, so the contact rows are deleted.
 * Rights-administration purposes do not keep data. Within a kept record, a category no hold keeps
 * is anonymised (a kept login's user agent, an invoice's tax ID), and the parent of a kept record
 * stays, anonymised (an order's items, an account's username). The identity on the customer row
 * is always anonymised (the loader refuses a hold that claims to keep it): the legal record is
 * the kept invoice, which carries the billing name, address and tax ID as issued.
 * The access log and the rights requests are not erased: they are the record of what was done.
 */
export interface KeptRecordView {
  recordId: string;
  collectedAt: Date;
  /** Null: kept without a time limit. */
  keptUntil: Date | null;
  purpose: string;
  lawfulBasis: string;
  retention: string | null;
  cite: string | null;
}

export interface ErasureCategoryView {
  category: string;
  store: string;
  table: string;
  deleted: number;
  anonymised: number;
  kept: number;
  keptRecords: KeptRecordView[];
}

export interface ErasureReceiptView {
  receiptId: string;
  erasureId: string;
  customerId: string;
  requestId: string | null;
  erasedAt: Date;
  erasedBy: string;
  pack: string;
  policyHash: string;
  categories: ErasureCategoryView[];
}

type Tally = Map<string, ErasureCategoryView>;

/** Receipt order: the customer row's identity, then the tables (children first) and their categories, then the gateway. */
const ORDER = [
  ...CUSTOMER_IDENTITY.map((c) => `crm.customers.${c.category}`),
  ...PERSONAL_TABLES.flatMap((t) => t.categories.map((c) => `${t.store}.${t.table}.${c.category}`)),
];
const rank = (e: ErasureCategoryView) => {
  const i = ORDER.indexOf(`${e.store}.${e.table}.${e.category}`);
  return i >= 0 ? i : ORDER.length;
};

function entry(tally: Tally, store: string, table: string, category: string): ErasureCategoryView {
  const key = `${store}.${table}.${category}`;
  let e = tally.get(key);
  if (!e) tally.set(key, (e = { category, store, table, deleted: 0, anonymised: 0, kept: 0, keptRecords: [] }));
  return e;
}

async function eraseIdentity(m: EntityManager, customerId: string, tally: Tally): Promise<void> {
  await m.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [customerId]);
  for (const c of CUSTOMER_IDENTITY) {
    const changed = await rowsChanged(m, `UPDATE customers SET ${c.anonymise} WHERE id = $1 AND NOT (${c.anonymised})`, [customerId]);
    if (changed) entry(tally, 'crm', 'customers', c.category).anonymised += changed;
  }
}

async function eraseTables(m: EntityManager, pack: PolicyPack, store: 'crm' | 'billing', customerId: string, now: Date, tally: Tally): Promise<void> {
  /** parent table -> ids of parent rows that must stay because a child row is kept */
  const parentKeep = new Map<string, Set<string>>();
  for (const t of PERSONAL_TABLES.filter((x) => x.store === store)) {
    const fk = t.parent ? `, ${t.parent.fk}::text AS fk` : '';
    const rows: { id: string; collected_at: Date; fk?: string }[] = await m.query(
      `SELECT id::text, collected_at${fk} FROM ${t.table} WHERE customer_id = $1 ORDER BY id FOR UPDATE`, [customerId]);
    const toDelete: string[] = [];
    const toAnonymise = new Map<string, string[]>(t.categories.map((c) => [c.category, []]));
    for (const r of rows) {
      const holds = t.categories.map((c) => legalHold(pack, c.category, r.collected_at, now));
      const keptForChild = parentKeep.get(t.table)?.has(r.id) ?? false;
      if (!holds.some(Boolean) && !keptForChild) {
        toDelete.push(r.id);
        continue;
      }
      if (t.parent && r.fk !== undefined) {
        if (!parentKeep.has(t.parent.table)) parentKeep.set(t.parent.table, new Set());
        parentKeep.get(t.parent.table)!.add(r.fk);
      }
      t.categories.forEach((c, i) => {
        const h = holds[i];
        if (!h) {
          toAnonymise.get(c.category)!.push(r.id);
          return;
        }
        const e = entry(tally, store, t.table, c.category);
        e.kept++;
        e.keptRecords.push({
          recordId: r.id, collectedAt: r.collected_at, keptUntil: h.until, purpose: h.purpose.key, lawfulBasis: h.purpose.lawfulBasis,
          retention: h.retention?.iso ?? null, cite: h.purpose.cite,
        });
      });
    }
    if (toDelete.length) {
      const deleted = await rowsChanged(m, `DELETE FROM ${t.table} WHERE id = ANY($1::bigint[])`, [toDelete]);
      for (const c of t.categories) entry(tally, store, t.table, c.category).deleted += deleted;
    }
    for (const c of t.categories) {
      const ids = toAnonymise.get(c.category)!;
      if (!ids.length || !c.anonymise) continue;
      const changed = await rowsChanged(m, `UPDATE ${t.table} SET ${c.anonymise} WHERE id = ANY($1::bigint[]) AND NOT (${c.anonymised})`, [ids]);
      if (changed) entry(tally, store, t.table, c.category).anonymised += changed;
    }
  }
}

async function onStore<T>(store: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('STORE_UNAVAILABLE', `The ${store} store is unavailable: the erasure is incomplete. The customer is already erased for every reader; run eraseCustomer again to finish`);
  }
}

export interface ErasureDeps {
  stores: Stores;
  pack: PolicyPack;
  callerId: string;
  now: Date;
}

/** Erases one customer (who must exist) and returns the stored receipt. */
export async function eraseCustomer(deps: ErasureDeps, customerId: string, requestId: string | null): Promise<ErasureReceiptView> {
  const { stores, pack, callerId, now } = deps;
  if (requestId !== null) await assertOpenRequest(stores.gateway, requestId, { customerId, kind: 'erasure' }, now);
  const [erasure]: { id: string; recorded_at: Date }[] = await onGateway('erasures', () =>
    stores.gateway.query(`INSERT INTO erasures (customer_id, recorded_by) VALUES ($1, $2) RETURNING id::text, recorded_at`, [customerId, callerId]));

  const tally: Tally = new Map();
  await onStore('CRM', () => stores.crm.transaction(async (m) => {
    await eraseIdentity(m, customerId, tally);
    await eraseTables(m, pack, 'crm', customerId, now, tally);
  }));
  await onStore('billing', () => stores.billing.transaction((m) => eraseTables(m, pack, 'billing', customerId, now, tally)));
  const discarded = await onGateway('rectifications', () => discardPendingRectifications(stores.gateway, customerId, callerId));
  for (const [category, n] of discarded) entry(tally, 'gateway', 'rectification_values', category).deleted += n;

  const receipt = {
    erasureId: erasure.id, customerId, requestId, erasedAt: erasure.recorded_at, erasedBy: callerId, pack: pack.id, policyHash: pack.hash,
    categories: [...tally.values()].sort((a, b) => rank(a) - rank(b)),
  };
  const [{ id: receiptId }] = await onGateway('erasure receipts', () => stores.gateway.query(
    `INSERT INTO erasure_receipts (erasure_id, customer_id, request_id, receipt, recorded_by) VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id::text`,
    [erasure.id, customerId, requestId, JSON.stringify(receipt), callerId]));
  const view: ErasureReceiptView = { receiptId, ...receipt };
  if (requestId !== null) {
    await onGateway('rights requests', () => completeAfterOperation(stores.gateway, requestId, describeReceipt(view), callerId, { receiptId, erasureId: erasure.id }, now));
  }
  return view;
}

/** One sentence for the request's outcome: counts, and what is kept under which purpose until when. */
export function describeReceipt(r: ErasureReceiptView): string {
  const sum = (k: 'deleted' | 'anonymised') => {
    // A record counts once even when it holds several categories.
    const perTable = new Map<string, number>();
    for (const c of r.categories) perTable.set(`${c.store}.${c.table}`, Math.max(perTable.get(`${c.store}.${c.table}`) ?? 0, c[k]));
    return [...perTable.values()].reduce((a, b) => a + b, 0);
  };
  const kept = r.categories.filter((c) => c.kept > 0).map((c) => {
    const untils = c.keptRecords.map((k) => k.keptUntil);
    const last = untils.some((u) => u === null) ? 'without limit' : `until ${new Date(Math.max(...untils.map((u) => u!.getTime()))).toISOString().slice(0, 10)}`;
    return `${c.category} (${c.kept} in ${c.store}.${c.table}) under ${[...new Set(c.keptRecords.map((k) => k.purpose))].join(', ')} ${last}`;
  });
  return `Erased (receipt ${r.receiptId}): ${sum('deleted')} records deleted, ${sum('anonymised')} anonymised; ${kept.length ? `kept for a legal obligation: ${kept.join('; ')}` : 'nothing kept'}.`;
}

// ---------------------------------------------------------------------------------------------
// Minors without a guardian's consent
// ---------------------------------------------------------------------------------------------

export interface MinorWithoutGuardianView {
  customerId: string;
  /**
   * The purposes that would process the minor's data without a guardian: consent-based ones whose
   * consent the minor gave alone; with `minors.applies_to: all` and no guardian's consent on
   * record, also every purpose on another basis that the rule stops (pack order).
   */
  purposes: string[];
  /** The earliest consent the minor gave alone; null when there is none (applies_to: all). */
  consentGivenAt: Date | null;
}

/**
 * Customers under the pack's `minors.age` (today) whose data is held without a guardian's
 * consent: they gave a consent-based purpose's consent themselves (the latest grant for the
 * purpose was given by the subject, withdrawn or not: the data was collected without a guardian
 * either way); or, where the pack's `minors.applies_to` is `all` (Soft SQ §8), no guardian's
 * consent is on record at all (src/policy/minors.ts), whatever else is. Erased customers are left
 * out.
 */
export async function minorsWithoutGuardianConsent(stores: Stores, pack: PolicyPack, now: Date, limit: number): Promise<MinorWithoutGuardianView[]> {
  // Born after this date (now less minors.age years, the civil calendar clamping 29 February to
  // the 28th) is a candidate; ageAt then decides. The bound must never be later than the true one.
  const born = subYears(now, pack.minors.age, { in: utc });
  let candidates: { id: string; dob: string }[];
  try {
    candidates = await stores.crm.query(
      `SELECT id, to_char(date_of_birth, 'YYYY-MM-DD') AS dob FROM customers WHERE date_of_birth > $1::date ORDER BY id`, [born.toISOString().slice(0, 10)]);
  } catch {
    throw new GatewayError('STORE_UNAVAILABLE', 'The CRM store is unavailable');
  }
  const consentPurposes = Object.values(pack.purposes).filter((p) => p.lawfulBasis === 'consent').map((p) => p.key);
  const out: MinorWithoutGuardianView[] = [];
  for (let i = 0; i < candidates.length && out.length < limit; i += 1000) {
    const chunk = candidates.slice(i, i + 1000).filter((c) => ageAt(c.dob, now) < pack.minors.age);
    let states;
    try {
      states = await loadCustomerStates(stores.gateway, chunk.map((c) => ({ id: c.id, dateOfBirth: c.dob })), now);
    } catch {
      throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read');
    }
    for (const c of chunk) {
      const s = states.get(c.id)!;
      if (s.erasedAt !== null) continue;
      const own = consentPurposes.filter((p) => s.consents[p]?.givenBy === 'subject');
      const noGuardian = !guardianConsentOnRecord(s);
      const purposes = Object.values(pack.purposes)
        .filter((p) => own.includes(p.key) || (noGuardian && guardianRuleCovers(pack, p))).map((p) => p.key);
      if (!purposes.length) continue;
      const consentGivenAt = own.length ? new Date(Math.min(...own.map((p) => s.consents[p].givenAt.getTime()))) : null;
      out.push({ customerId: c.id, purposes, consentGivenAt });
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Erases up to `limit` of them, when the pack says such data is deleted (SmartTech, Soft SQ). */
export async function eraseMinorsWithoutGuardianConsent(deps: ErasureDeps, limit: number): Promise<ErasureReceiptView[]> {
  if (deps.pack.minors.withoutGuardianConsent !== 'delete') {
    throw new GatewayError('BAD_USER_INPUT', 'The pack in force restricts, and does not delete, data collected from minors without a guardian\'s consent', {
      rule: 'minors.without_guardian_consent', value: deps.pack.minors.withoutGuardianConsent,
    });
  }
  const minors = await minorsWithoutGuardianConsent(deps.stores, deps.pack, deps.now, limit);
  const receipts: ErasureReceiptView[] = [];
  for (const m of minors) receipts.push(await eraseCustomer(deps, m.customerId, null));
  return receipts;
}


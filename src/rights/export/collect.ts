import { GatewayError } from '../../errors';
import { isSensitive } from '../../policy/decide';
import { TAXONOMY } from '../../policy/taxonomy';
import { CustomerState, foldCustomerState } from '../../policy/customer-state';
import { toEvent } from '../../stores/gateway/load-customer-state';
import { CategoryInventory, ExportOptions, ExportPart, Recipient, SubjectExport, HISTORY_LISTS } from './collect-document';
import { buildHead } from './collect-head';
import { HISTORY_SQL, recipientsSql, STATE_SQL } from './collect-history';
import { inventory, iso, passSql, show, toRecord } from './collect-records';
import { closeSnapshot, openSnapshot, Snapshot } from './collect-snapshot';
import { EXPORT_CATEGORIES, Pass, PASSES, StoreKey } from './collect-tables';
import { allowLongStatements } from '../../stores/statement-bound';

/**
 * The right-to-access export (GDPR Art.15, PDPA s.30): everything the gateway's stores hold about
 * one customer, and what the law asks to accompany it, as a sequence of parts that a renderer
 * (render-json.ts, render-html.ts) turns into bytes as they come.
 *
 * - Each store is read inside one REPEATABLE READ, READ ONLY transaction on its own connection,
 *   so the document is each store as it stood at one instant: the inventory (what categories
 *   and how many records), which is logged before anything is sent, matches what is streamed.
 * - Personal data is grouped by category (the `@category` of the GraphQL field that shows each
 *   column; test/integration/subject-export-*.test.ts checks the two agree). A table whose fields
 *   span several categories (a login: IP address, user agent, time) is read once per category.
 * - Every list is read in keyset pages of `pageRows` (default 2,000): records by id, history
 *   events by id, access-log recipients by their group key. Memory holds one page, whatever the
 *   length of the customer's history.
 *
 * Values are shown as stored: timestamps as ISO 8601 UTC, dates as YYYY-MM-DD, decimal amounts
 * as strings, ids as strings.
 */
export const PAGE_ROWS = 2_000;

export { FORMAT_ID } from './collect-head';
export { EXPORT_CATEGORIES, TABLES } from './collect-tables';
export type { TableSpec } from './collect-tables';
export { HISTORY_LISTS } from './collect-document';
export type {
  CategoryInventory, DataRecord, ExportHead, ExportOptions, ExportPart, HistoryList, PurposeView, Recipient, RetentionView, SubjectExport,
} from './collect-document';

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
    // Opening was bounded like any request's reads; the pages (recipients aggregate the customer's
    // whole access log) get the exports' longer bound (src/stores/statement-bound.ts).
    for (const s of Object.values(snap)) allowLongStatements(s.qr);

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

import DataLoader from 'dataloader';
import { DataSource } from 'typeorm';
import { Stores } from './open-stores';

/**
 * Per-request DataLoaders over both stores. Each loader turns every `load(key)` made in one tick
 * into one `WHERE key = ANY($1)` statement, so the SQL count of a request depends on the shape of
 * the query, not on the number of customers in it (test/integration/sql-count.test.ts).
 * Rows come back as plain objects with camelCase keys, `customerId` and `collectedAt`: the
 * decision wrapper needs both on every record.
 */
export type Row = Record<string, unknown> & { id: string; customerId: string; collectedAt: Date; source: string };

const camelCache = new Map<string, string>();
/** snake_case column -> camelCase key, cached: it runs for every column of every row. */
const camel = (s: string) => {
  let c = camelCache.get(s);
  if (c === undefined) camelCache.set(s, (c = s.replace(/_([a-z0-9])/g, (_, x: string) => x.toUpperCase())));
  return c;
};

function toRow(r: Record<string, unknown>): Row {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[camel(k)] = v;
  return out as Row;
}

/** One loader: key column -> all rows with that key, in id order. */
function groupLoader(ds: DataSource, table: string, keyColumn: string, select = '*'): DataLoader<string, Row[]> {
  return new DataLoader<string, Row[]>(
    async (keys) => {
      const rows: Record<string, unknown>[] = await ds.query(`SELECT ${select} FROM ${table} WHERE ${keyColumn} = ANY($1) ORDER BY id`, [keys as string[]]);
      const byKey = new Map<string, Row[]>(keys.map((k) => [k, []]));
      for (const r of rows) byKey.get(String(r[keyColumn]))?.push(toRow(r));
      return keys.map((k) => byKey.get(k) ?? []);
    },
    { maxBatchSize: 1000 },
  );
}

export function createLoaders(stores: Stores) {
  const customers = new DataLoader<string, Row | null>(async (ids) => {
    const rows: Record<string, unknown>[] = await stores.crm.query(
      `SELECT *, to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth, id AS customer_id FROM customers WHERE id = ANY($1)`,
      [ids as string[]],
    );
    const byId = new Map(rows.map((r) => [String(r.id), toRow(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return {
    customers,
    emails: groupLoader(stores.crm, 'emails', 'customer_id'),
    phones: groupLoader(stores.crm, 'phones', 'customer_id'),
    addresses: groupLoader(stores.crm, 'postal_addresses', 'customer_id'),
    socialAccounts: groupLoader(stores.crm, 'social_accounts', 'customer_id'),
    accounts: groupLoader(stores.crm, 'accounts', 'customer_id'),
    loginEventsByAccount: groupLoader(stores.crm, 'login_events', 'account_id'),
    communications: groupLoader(stores.crm, 'communications', 'customer_id'),
    callLogs: groupLoader(stores.crm, 'call_logs', 'customer_id'),
    healthDeclarations: groupLoader(stores.crm, 'health_declarations', 'customer_id', '*, temperature_c::float8 AS temperature_c'),
    bankAccounts: groupLoader(stores.billing, 'bank_accounts', 'customer_id'),
    paymentCards: groupLoader(stores.billing, 'payment_cards', 'customer_id', `*, lpad(expiry_month::text, 2, '0') || '/' || expiry_year AS expiry`),
    orders: groupLoader(stores.billing, 'orders', 'customer_id'),
    invoices: groupLoader(stores.billing, 'invoices', 'customer_id'),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

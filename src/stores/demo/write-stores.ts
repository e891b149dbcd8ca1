import type { DataSource, QueryRunner } from 'typeorm';
import { allocateIds, Col, insertRows, textArrayLiteral } from './bulk';
import type {
  Provenanced, SeedAccount, SeedBankAccount, SeedCallLog, SeedCommunication, SeedConsentEvent, SeedCustomer, SeedEmail,
  SeedHealthDeclaration, SeedInvoice, SeedLoginEvent, SeedOrder, SeedPaymentCard, SeedPhone, SeedPostalAddress,
  SeedSocialAccount, SeedSubject, TableCounts,
} from './types';

/**
 * Writes one batch of generated subjects into each store, inside the caller's transaction.
 *
 * Idempotence: the CRM store is the record of which customers exist, and the loader commits it
 * last, after billing and gateway. So a customer in the CRM store is complete and skipped
 * everywhere (`inCrm`). A customer missing from CRM may still have billing or gateway rows from a
 * run that stopped between commits: each of those writers also skips the customers its own store
 * already holds. Rerunning therefore completes an interrupted run without duplicating anything.
 */

/** A child row with the customer it belongs to. */
type Owned<T> = { customerId: string; row: T };
type Linked<T> = Owned<T> & { parentId: string };

const owned = <T>(customerId: string, rows: readonly T[]): Owned<T>[] => rows.map((row) => ({ customerId, row }));

/** The columns every CRM and billing child table shares. */
function childCols<T extends Provenanced>(...cols: Col<Owned<T>>[]): Col<Owned<T>>[] {
  return [
    { name: 'customer_id', type: 'text', get: (o) => o.customerId },
    ...cols,
    { name: 'source', type: 'text', get: (o) => o.row.source },
    { name: 'collected_at', type: 'timestamptz', get: (o) => o.row.collectedAt },
  ];
}

/** Field `k` of the row as a column. */
function f<T, K extends keyof T>(name: string, type: string, k: K): Col<Owned<T>> {
  return { name, type, get: (o) => o.row[k] };
}

const CUSTOMER_COLS: Col<SeedCustomer>[] = [
  { name: 'id', type: 'text', get: (c) => c.id },
  { name: 'first_name', type: 'text', get: (c) => c.firstName },
  { name: 'middle_name', type: 'text', get: (c) => c.middleName },
  { name: 'last_name', type: 'text', get: (c) => c.lastName },
  { name: 'alias', type: 'text', get: (c) => c.alias },
  { name: 'date_of_birth', type: 'date', get: (c) => c.dateOfBirth },
  { name: 'gender', type: 'text', get: (c) => c.gender },
  { name: 'nationality', type: 'text', get: (c) => c.nationality },
  { name: 'national_id', type: 'text', get: (c) => c.nationalId },
  { name: 'passport_number', type: 'text', get: (c) => c.passportNumber },
  { name: 'source', type: 'text', get: (c) => c.source },
  { name: 'collected_at', type: 'timestamptz', get: (c) => c.collectedAt },
];
const EMAIL_COLS = childCols<SeedEmail>(f('address', 'text', 'address'), f('primary', 'boolean', 'primary'));
const PHONE_COLS = childCols<SeedPhone>(f('number', 'text', 'number'), f('kind', 'text', 'kind'));
const ADDRESS_COLS = childCols<SeedPostalAddress>(
  f('line1', 'text', 'line1'), f('line2', 'text', 'line2'), f('city', 'text', 'city'), f('postcode', 'text', 'postcode'), f('country', 'text', 'country'),
);
const SOCIAL_COLS = childCols<SeedSocialAccount>(f('platform', 'text', 'platform'), f('handle', 'text', 'handle'));
const ACCOUNT_COLS: Col<Linked<SeedAccount>>[] = [
  { name: 'id', type: 'bigint', get: (o) => o.parentId },
  ...childCols<SeedAccount>(f('username', 'text', 'username')),
];
const LOGIN_COLS: Col<Linked<SeedLoginEvent>>[] = [
  { name: 'account_id', type: 'bigint', get: (o) => o.parentId },
  ...childCols<SeedLoginEvent>(f('ip_address', 'text', 'ipAddress'), f('user_agent', 'text', 'userAgent'), f('occurred_at', 'timestamptz', 'occurredAt')),
];
const COMMUNICATION_COLS = childCols<SeedCommunication>(
  f('channel', 'text', 'channel'), f('subject', 'text', 'subject'), f('body', 'text', 'body'), f('occurred_at', 'timestamptz', 'occurredAt'),
);
const CALL_COLS = childCols<SeedCallLog>(
  f('phone_number', 'text', 'phoneNumber'), f('direction', 'text', 'direction'), f('started_at', 'timestamptz', 'startedAt'),
  f('duration_seconds', 'integer', 'durationSeconds'),
);
const HEALTH_COLS = childCols<SeedHealthDeclaration>(
  f('visited_at', 'timestamptz', 'visitedAt'), f('temperature_c', 'numeric', 'temperatureC'),
  { name: 'symptoms', type: 'text', cast: 'text[]', get: (o) => textArrayLiteral(o.row.symptoms) },
  f('exposure', 'boolean', 'exposure'), f('vaccination_status', 'text', 'vaccinationStatus'), f('test_result', 'text', 'testResult'),
  f('recent_travel', 'text', 'recentTravel'),
);
const BANK_COLS = childCols<SeedBankAccount>(f('bank_name', 'text', 'bankName'), f('account_holder', 'text', 'accountHolder'), f('account_number', 'text', 'accountNumber'));
const CARD_COLS = childCols<SeedPaymentCard>(
  f('token', 'text', 'token'), f('last4', 'text', 'last4'), f('brand', 'text', 'brand'), f('expiry_month', 'integer', 'expiryMonth'),
  f('expiry_year', 'integer', 'expiryYear'),
);
const ORDER_COLS: Col<Linked<SeedOrder>>[] = [
  { name: 'id', type: 'bigint', get: (o) => o.parentId },
  ...childCols<SeedOrder>(f('ordered_at', 'timestamptz', 'orderedAt'), f('total', 'numeric', 'total'), f('currency', 'text', 'currency'), f('status', 'text', 'status'), f('items', 'text', 'items')),
];
const INVOICE_COLS: Col<Linked<SeedInvoice>>[] = [
  { name: 'order_id', type: 'bigint', get: (o) => o.parentId },
  ...childCols<SeedInvoice>(
    f('invoice_number', 'text', 'invoiceNumber'), f('issued_at', 'timestamptz', 'issuedAt'), f('billing_name', 'text', 'billingName'),
    f('billing_address', 'text', 'billingAddress'), f('tax_id', 'text', 'taxId'), f('amount', 'numeric', 'amount'),
  ),
];
const CONSENT_COLS: Col<Owned<SeedConsentEvent>>[] = [
  { name: 'customer_id', type: 'text', get: (o) => o.customerId },
  f('recorded_at', 'timestamptz', 'recordedAt'), f('recorded_by', 'text', 'recordedBy'), f('purpose', 'text', 'purpose'),
  f('action', 'text', 'action'), f('given_by', 'text', 'givenBy'), f('explicit', 'boolean', 'explicit'), f('expires_at', 'timestamptz', 'expiresAt'),
  f('source', 'text', 'source'),
];

/**
 * Serialises seeders writing to the same database (a transaction-scoped advisory lock), so the
 * check-then-insert below cannot race with another seeder inserting the same customers.
 */
async function lockSeeding(qr: QueryRunner): Promise<void> {
  await qr.query(`SELECT pg_advisory_xact_lock(hashtext('privacy-gateway:seed'))`);
}

async function present(qr: QueryRunner, sql: string, ids: string[]): Promise<Set<string>> {
  const rows: { id: string }[] = await qr.query(sql, [ids]);
  return new Set(rows.map((r) => r.id));
}

const CRM_PRESENT = `SELECT id FROM customers WHERE id = ANY($1::text[])`;

/** The batch's customers the CRM store already holds (read outside any transaction, before the other stores are written). */
export async function presentInCrm(crm: DataSource, batch: readonly SeedSubject[]): Promise<Set<string>> {
  const rows: { id: string }[] = await crm.query(CRM_PRESENT, [batch.map((s) => s.customer.id)]);
  return new Set(rows.map((r) => r.id));
}

/** CRM store: customers and every table hanging off them. Returns how many customers were already there. */
export async function writeCrm(qr: QueryRunner, batch: readonly SeedSubject[], counts: TableCounts): Promise<number> {
  await lockSeeding(qr);
  const have = await present(qr, CRM_PRESENT, batch.map((s) => s.customer.id));
  const todo = batch.filter((s) => !have.has(s.customer.id));
  if (todo.length === 0) return have.size;
  const accountIds = await allocateIds(qr, 'accounts', todo.length);
  const by = <T>(pick: (s: SeedSubject) => readonly T[]) => todo.flatMap((s) => owned(s.customer.id, pick(s)));
  const accounts: Linked<SeedAccount>[] = todo.map((s, i) => ({ customerId: s.customer.id, row: s.crm.account, parentId: accountIds[i] }));
  const logins: Linked<SeedLoginEvent>[] = todo.flatMap((s, i) => s.crm.loginEvents.map((row) => ({ customerId: s.customer.id, row, parentId: accountIds[i] })));

  counts.customers += await insertRows(qr, 'customers', CUSTOMER_COLS, todo.map((s) => s.customer));
  counts.emails += await insertRows(qr, 'emails', EMAIL_COLS, by((s) => s.crm.emails));
  counts.phones += await insertRows(qr, 'phones', PHONE_COLS, by((s) => s.crm.phones));
  counts.postal_addresses += await insertRows(qr, 'postal_addresses', ADDRESS_COLS, by((s) => s.crm.postalAddresses));
  counts.social_accounts += await insertRows(qr, 'social_accounts', SOCIAL_COLS, by((s) => s.crm.socialAccounts));
  counts.accounts += await insertRows(qr, 'accounts', ACCOUNT_COLS, accounts);
  counts.login_events += await insertRows(qr, 'login_events', LOGIN_COLS, logins);
  counts.communications += await insertRows(qr, 'communications', COMMUNICATION_COLS, by((s) => s.crm.communications));
  counts.call_logs += await insertRows(qr, 'call_logs', CALL_COLS, by((s) => s.crm.callLogs));
  counts.health_declarations += await insertRows(qr, 'health_declarations', HEALTH_COLS, by((s) => s.crm.healthDeclarations));
  return have.size;
}

/** Billing store. A customer counts as present when any of their billing rows is. */
export async function writeBilling(qr: QueryRunner, batch: readonly SeedSubject[], inCrm: ReadonlySet<string>, counts: TableCounts): Promise<void> {
  await lockSeeding(qr);
  batch = batch.filter((s) => !inCrm.has(s.customer.id));
  if (batch.length === 0) return;
  const have = await present(
    qr,
    `SELECT customer_id AS id FROM orders WHERE customer_id = ANY($1::text[])
     UNION SELECT customer_id FROM bank_accounts WHERE customer_id = ANY($1::text[])
     UNION SELECT customer_id FROM payment_cards WHERE customer_id = ANY($1::text[])`,
    batch.map((s) => s.customer.id),
  );
  const todo = batch.filter((s) => !have.has(s.customer.id));
  const orderRows = todo.flatMap((s) => owned(s.customer.id, s.billing.orders));
  const orderIds = await allocateIds(qr, 'orders', orderRows.length);
  const orders: Linked<SeedOrder>[] = orderRows.map((o, i) => ({ ...o, parentId: orderIds[i] }));
  const invoices: Linked<SeedInvoice>[] = orders.flatMap((o) => (o.row.invoice ? [{ customerId: o.customerId, row: o.row.invoice, parentId: o.parentId }] : []));
  const by = <T>(pick: (s: SeedSubject) => readonly T[]) => todo.flatMap((s) => owned(s.customer.id, pick(s)));

  counts.bank_accounts += await insertRows(qr, 'bank_accounts', BANK_COLS, by((s) => s.billing.bankAccounts));
  counts.payment_cards += await insertRows(qr, 'payment_cards', CARD_COLS, by((s) => s.billing.paymentCards));
  counts.orders += await insertRows(qr, 'orders', ORDER_COLS, orders);
  counts.invoices += await insertRows(qr, 'invoices', INVOICE_COLS, invoices);
}

/** Gateway store: consent events. A customer counts as present when the seeder already recorded any for them. */
export async function writeGateway(qr: QueryRunner, batch: readonly SeedSubject[], inCrm: ReadonlySet<string>, counts: TableCounts): Promise<void> {
  await lockSeeding(qr);
  batch = batch.filter((s) => !inCrm.has(s.customer.id));
  if (batch.length === 0) return;
  const have = await present(
    qr,
    `SELECT DISTINCT customer_id AS id FROM consent_events WHERE recorded_by = 'seed' AND customer_id = ANY($1::text[])`,
    batch.map((s) => s.customer.id),
  );
  const rows = batch.filter((s) => !have.has(s.customer.id)).flatMap((s) => owned(s.customer.id, s.gateway.consentEvents));
  counts.consent_events += await insertRows(qr, 'consent_events', CONSENT_COLS, rows);
}

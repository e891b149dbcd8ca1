import { TAXONOMY } from '../../policy/taxonomy';

/**
 * The export's table layout: every personal-data table of the CRM and billing stores, the
 * category of each field, and the passes (one table, one category) in document order. Split out
 * of collect.ts, which re-exports its public names.
 */
export type StoreKey = 'crm' | 'billing';

export interface FieldSpec {
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
export interface Pass {
  readonly spec: TableSpec;
  readonly category: string;
  readonly fields: readonly FieldSpec[];
}

/** Passes in document order: grouped by category (taxonomy order), then by table order. */
export const PASSES: readonly Pass[] = (() => {
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

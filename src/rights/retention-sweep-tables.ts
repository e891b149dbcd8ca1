/**
 * The table layout the retention sweep and the erasure share: every personal-data table, the
 * categories each row holds, how a row that must stay is anonymised, and the identity categories
 * on the customer row. The sweep's rules: retention-sweep-run.ts.
 */
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
 * needs the age of an erased customer (the minors rule, decide()'s rule 6, comes after
 * SUBJECT_ERASED); the column is NOT NULL, so a fixed date stands for "unknown".
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

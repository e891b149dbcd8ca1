import type { Source } from '../provenance';

/**
 * The shape of one generated data subject: every row the seeder writes for one customer, across
 * the three stores. Timestamps are ISO strings (not Date objects) so a generated subject is plain
 * JSON: two generations compare byte for byte, and the loader passes them to PostgreSQL as they are.
 */
export interface Provenanced {
  source: Source;
  /** ISO timestamp, at or before the generation's `now`. */
  collectedAt: string;
}

/** A `customers` row (CRM). */
export interface SeedCustomer extends Provenanced {
  id: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  alias: string | null;
  /** YYYY-MM-DD. */
  dateOfBirth: string;
  gender: string | null;
  /** ISO 3166-1 alpha-2. */
  nationality: string;
  nationalId: string | null;
  passportNumber: string | null;
}

/** Rows of the CRM contact tables, one interface per table. */
export interface SeedEmail extends Provenanced { address: string; primary: boolean }
/** See SeedEmail. */
export interface SeedPhone extends Provenanced { number: string; kind: string }
/** See SeedEmail. */
export interface SeedPostalAddress extends Provenanced {
  line1: string;
  line2: string | null;
  city: string;
  postcode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}
/** See SeedEmail. */
export interface SeedSocialAccount extends Provenanced { platform: string; handle: string }
/** Rows of the CRM activity tables, one interface per table. */
export interface SeedAccount extends Provenanced { username: string }
/** See SeedAccount. */
export interface SeedLoginEvent extends Provenanced { ipAddress: string; userAgent: string; occurredAt: string }
/** See SeedAccount. */
export interface SeedCommunication extends Provenanced { channel: 'ticket' | 'chat'; subject: string; body: string; occurredAt: string }
/** See SeedAccount. */
export interface SeedCallLog extends Provenanced {
  phoneNumber: string;
  direction: 'inbound' | 'outbound';
  startedAt: string;
  durationSeconds: number;
}
/** See SeedAccount. */
export interface SeedHealthDeclaration extends Provenanced {
  visitedAt: string;
  /** numeric(4,1) as text, e.g. "36.7". */
  temperatureC: string;
  symptoms: string[];
  exposure: boolean;
  vaccinationStatus: string;
  testResult: string | null;
  recentTravel: string | null;
}

/** Rows of the billing tables, one interface per table. */
export interface SeedBankAccount extends Provenanced { bankName: string; accountHolder: string; accountNumber: string }
/** See SeedBankAccount. */
export interface SeedPaymentCard extends Provenanced {
  token: string;
  last4: string;
  brand: string;
  expiryMonth: number;
  expiryYear: number;
}
/** See SeedBankAccount. */
export interface SeedInvoice extends Provenanced {
  invoiceNumber: string;
  issuedAt: string;
  billingName: string;
  billingAddress: string;
  taxId: string | null;
  /** numeric(12,2) as text. */
  amount: string;
}
/** An order and, when one was issued, its invoice (the loader links them by id). */
export interface SeedOrder extends Provenanced {
  orderedAt: string;
  /** numeric(12,2) as text, in `currency`. */
  total: string;
  currency: 'THB';
  status: string;
  items: string;
  invoice: SeedInvoice | null;
}

/** A gateway consent event; the gateway's own state has no provenance columns. */
export interface SeedConsentEvent {
  purpose: string;
  action: 'grant' | 'withdraw';
  givenBy: 'subject' | 'guardian';
  explicit: boolean;
  expiresAt: string | null;
  recordedAt: string;
  recordedBy: 'seed';
  source: 'signup_form';
}

/** One customer and all their rows, grouped by store (what generateCustomer returns). */
export interface SeedSubject {
  customer: SeedCustomer;
  crm: {
    emails: SeedEmail[];
    phones: SeedPhone[];
    postalAddresses: SeedPostalAddress[];
    socialAccounts: SeedSocialAccount[];
    account: SeedAccount;
    /** All belong to `account`. */
    loginEvents: SeedLoginEvent[];
    communications: SeedCommunication[];
    callLogs: SeedCallLog[];
    healthDeclarations: SeedHealthDeclaration[];
  };
  billing: {
    bankAccounts: SeedBankAccount[];
    paymentCards: SeedPaymentCard[];
    orders: SeedOrder[];
  };
  gateway: {
    consentEvents: SeedConsentEvent[];
  };
}

/** Every table the seeder writes, by store. */
export const SEED_TABLES = {
  crm: ['customers', 'emails', 'phones', 'postal_addresses', 'social_accounts', 'accounts', 'login_events', 'communications', 'call_logs', 'health_declarations'],
  billing: ['bank_accounts', 'payment_cards', 'orders', 'invoices'],
  gateway: ['consent_events'],
} as const;

/** Name of a seeded table; counts are reported per table. */
export type SeedTable = (typeof SEED_TABLES)[keyof typeof SEED_TABLES][number];
/** Rows per seeded table. */
export type TableCounts = Record<SeedTable, number>;

/** All-zero counts, one entry per seeded table. */
export function emptyCounts(): TableCounts {
  const out = {} as TableCounts;
  for (const tables of Object.values(SEED_TABLES)) for (const t of tables) out[t] = 0;
  return out;
}

/** Adds the rows of one subject to `into`, per table. */
export function addSubjectCounts(into: TableCounts, s: SeedSubject): TableCounts {
  into.customers += 1;
  into.emails += s.crm.emails.length;
  into.phones += s.crm.phones.length;
  into.postal_addresses += s.crm.postalAddresses.length;
  into.social_accounts += s.crm.socialAccounts.length;
  into.accounts += 1;
  into.login_events += s.crm.loginEvents.length;
  into.communications += s.crm.communications.length;
  into.call_logs += s.crm.callLogs.length;
  into.health_declarations += s.crm.healthDeclarations.length;
  into.bank_accounts += s.billing.bankAccounts.length;
  into.payment_cards += s.billing.paymentCards.length;
  into.orders += s.billing.orders.length;
  into.invoices += s.billing.orders.filter((o) => o.invoice !== null).length;
  into.consent_events += s.gateway.consentEvents.length;
  return into;
}

/** Sum over all tables. */
export function totalRows(c: TableCounts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

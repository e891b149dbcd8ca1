import { GatewayError } from '../errors';
import { isKnownCategory } from '../policy/taxonomy';
import { Stores } from '../stores/open-stores';
import { INPUT_LIMITS } from '../graphql/input-limits';

/**
 * What a rectification may correct and how its input is checked: the whitelist of fields per
 * category, the checks on the corrected value (never repeated in a message), and finding the
 * record to correct. Split out of rectification.service.ts, which re-exports RECTIFIABLE.
 */
export interface FieldSpec {
  readonly store: 'crm' | 'billing';
  readonly table: string;
  readonly column: string;
  readonly nullable?: boolean;
  readonly format?: 'email' | 'phone' | 'date';
}

/** The whitelist: category -> GraphQL field name -> store column. Anything else is refused. */
export const RECTIFIABLE: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> = {
  'identity.name': {
    firstName: { store: 'crm', table: 'customers', column: 'first_name' },
    middleName: { store: 'crm', table: 'customers', column: 'middle_name', nullable: true },
    lastName: { store: 'crm', table: 'customers', column: 'last_name' },
    alias: { store: 'crm', table: 'customers', column: 'alias', nullable: true },
  },
  'identity.date_of_birth': {
    dateOfBirth: { store: 'crm', table: 'customers', column: 'date_of_birth', format: 'date' },
  },
  'contact.email': {
    address: { store: 'crm', table: 'emails', column: 'address', format: 'email' },
  },
  'contact.phone': {
    number: { store: 'crm', table: 'phones', column: 'number', format: 'phone' },
  },
  'contact.address': {
    line1: { store: 'crm', table: 'postal_addresses', column: 'line1' },
    line2: { store: 'crm', table: 'postal_addresses', column: 'line2', nullable: true },
    city: { store: 'crm', table: 'postal_addresses', column: 'city' },
    postcode: { store: 'crm', table: 'postal_addresses', column: 'postcode' },
    country: { store: 'crm', table: 'postal_addresses', column: 'country' },
  },
  'financial.bank_account': {
    bankName: { store: 'billing', table: 'bank_accounts', column: 'bank_name' },
    accountHolder: { store: 'billing', table: 'bank_accounts', column: 'account_holder' },
    accountNumber: { store: 'billing', table: 'bank_accounts', column: 'account_number' },
  },
};

export const RECORD_ID = /^[1-9][0-9]{0,17}$/;
export const MAX_VALUE = INPUT_LIMITS.correctedValue;

export function fieldSpec(category: string, field: string): FieldSpec {
  if (!isKnownCategory(category)) throw new GatewayError('BAD_USER_INPUT', 'category is not in the taxonomy', { category });
  const fields = RECTIFIABLE[category];
  if (!fields) throw new GatewayError('BAD_USER_INPUT', 'This category cannot be corrected through the gateway', { category, supported: Object.keys(RECTIFIABLE) });
  const spec = fields[field];
  if (!spec) throw new GatewayError('BAD_USER_INPUT', 'This field cannot be corrected through the gateway', { category, field, supported: Object.keys(fields) });
  return spec;
}

/** The value to store (null clears a nullable column); messages never repeat the value. */
export function checkValue(spec: FieldSpec, field: string, raw: string, now: Date): string | null {
  const v = raw.trim();
  if (v.length > MAX_VALUE) throw new GatewayError('BAD_USER_INPUT', `correctedValue is longer than ${MAX_VALUE} characters`, { field });
  if (!v) {
    if (spec.nullable) return null;
    throw new GatewayError('BAD_USER_INPUT', 'correctedValue must not be empty for this field', { field });
  }
  if (spec.format === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw new GatewayError('BAD_USER_INPUT', 'correctedValue is not an email address', { field });
  if (spec.format === 'phone' && !/^\+?[0-9][0-9 ()-]{2,30}$/.test(v)) throw new GatewayError('BAD_USER_INPUT', 'correctedValue is not a phone number', { field });
  if (spec.format === 'date') {
    const d = new Date(`${v}T00:00:00Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v || d > now) {
      throw new GatewayError('BAD_USER_INPUT', 'correctedValue is not a past date YYYY-MM-DD', { field });
    }
  }
  return v;
}

export async function onStore<T>(store: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('STORE_UNAVAILABLE', `The ${store} store is unavailable`);
  }
}

/** The record to correct: the customer row itself, or the one record of the table (or the one named). */
export async function recordFor(stores: Stores, spec: FieldSpec, customerId: string, recordId: string | null): Promise<string> {
  if (spec.table === 'customers') {
    if (recordId !== null && recordId !== customerId) throw new GatewayError('BAD_USER_INPUT', 'recordId of an identity field is the customer id', { recordId });
    return customerId;
  }
  if (recordId !== null && !RECORD_ID.test(recordId)) throw new GatewayError('BAD_USER_INPUT', 'recordId is not a record id');
  const rows: { id: string }[] = await onStore(spec.store === 'crm' ? 'CRM' : 'billing', () => stores[spec.store].query(
    `SELECT id::text FROM ${spec.table} WHERE customer_id = $1${recordId !== null ? ' AND id = $2' : ''} ORDER BY id LIMIT 2`,
    recordId !== null ? [customerId, recordId] : [customerId]));
  if (recordId !== null) {
    if (!rows.length) throw new GatewayError('NOT_FOUND', 'The customer has no record of this category with this id', { recordId });
    return recordId;
  }
  if (!rows.length) throw new GatewayError('NOT_FOUND', 'The customer has no record of this category');
  if (rows.length > 1) throw new GatewayError('BAD_USER_INPUT', 'The customer has several records of this category: name one with recordId');
  return rows[0].id;
}

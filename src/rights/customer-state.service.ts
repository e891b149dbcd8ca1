import { DataSource } from 'typeorm';
import { GatewayContext } from '../http/context';
import { GatewayError } from '../errors';
import { isKnownCategory } from '../policy/taxonomy';
import { Purpose } from '../policy/pack.types';

/**
 * Appends events to a customer's consent, objection and restriction histories. Never updates:
 * a withdrawal is a new event. Each append commits before the mutation returns, so every request
 * that starts after it sees it (state is read per request, never cached).
 */
export const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function assertCustomerExists(ctx: GatewayContext, customerId: string): Promise<void> {
  if (!CUSTOMER_ID.test(customerId)) throw new GatewayError('BAD_USER_INPUT', 'customerId is not a customer id');
  let rows: unknown[];
  try {
    rows = await ctx.stores.crm.query('SELECT 1 FROM customers WHERE id = $1', [customerId]);
  } catch {
    throw new GatewayError('STORE_UNAVAILABLE', 'The CRM store is unavailable');
  }
  if (!rows.length) throw new GatewayError('NOT_FOUND', 'No customer with this id', { customerId });
}

export function purposeOf(ctx: GatewayContext, key: string): Purpose {
  const p = ctx.pack.purposes[key];
  if (!p) throw new GatewayError('UNKNOWN_PURPOSE', 'No purpose of the policy pack in force has this key', { purpose: key });
  return p;
}

export function checkCategory(category: string | null | undefined): string | null {
  if (category === null || category === undefined) return null;
  if (!isKnownCategory(category)) throw new GatewayError('BAD_USER_INPUT', 'category is not in the taxonomy', { category });
  return category;
}

/** A service may record state only for purposes it is registered for; a DPO for any. */
export function assertMayRecordFor(ctx: GatewayContext, purpose: Purpose, what: 'consent' | 'objection'): void {
  if (ctx.caller.roles.includes('dpo')) return;
  const entry = ctx.pack.callers[ctx.caller.id];
  if (!entry?.purposes.includes(purpose.key)) throw new GatewayError('FORBIDDEN', `Only a DPO or a caller registered for the purpose may record this ${what}`);
  if (what === 'consent' && purpose.lawfulBasis !== 'consent') throw new GatewayError('FORBIDDEN', 'Only a DPO may record consent for a purpose not based on consent');
}

export async function appendEvent(ds: DataSource, table: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const cols = Object.keys(values);
  try {
    const rows = await ds.query(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
      Object.values(values),
    );
    return rows[0];
  } catch {
    throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'The customer-state history could not be written');
  }
}

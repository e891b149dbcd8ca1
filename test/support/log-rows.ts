import { EntityManager } from 'typeorm';
import { LogRow } from '../../src/audit/chain';

/**
 * Inserts access-log rows one statement each, as a test writing a batch by hand (a chosen
 * logged_at, an old schema) needs. A row with one `category` is written in the shape rows had
 * before migration AccessLogDecisionRows (and works on a database migrated only that far); a row
 * with `categories` in the shape the writer uses now.
 */
export async function insertLogRows(m: EntityManager, batchId: string, loggedAt: Date, rows: readonly LogRow[]): Promise<void> {
  for (const r of rows) {
    const request = [batchId, loggedAt, r.at, r.requestId, r.caller, r.roles, r.purpose, r.justification, r.clientAddress, r.policyHash, r.customerId, r.fieldPath, r.fields, r.effect, r.reason, r.rule];
    const columns = `batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash, customer_id, field_path, fields, effect, reason, rule`;
    if (r.categories === null) {
      await m.query(`INSERT INTO access_log (${columns}, type_name, category) VALUES (${placeholders(18)})`, [...request, r.typeName, r.category]);
    } else {
      await m.query(`INSERT INTO access_log (${columns}, categories, category_types, category_field_ends) VALUES (${placeholders(19)})`,
        [...request, r.categories, r.categoryTypes, r.categoryFieldEnds]);
    }
  }
}

const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ');

/** The shape-specific columns of a row written before AccessLogDecisionRows: one category. */
export const SINGLE_CATEGORY = { categories: null, categoryTypes: null, categoryFieldEnds: null } as const;

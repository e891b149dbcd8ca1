import { EntityManager } from 'typeorm';
import { LogRow } from '../../src/audit/chain';

/** Inserts access-log rows one statement each, as a test writing a batch by hand (a chosen logged_at, an old schema) needs. */
export async function insertLogRows(m: EntityManager, batchId: string, loggedAt: Date, rows: readonly LogRow[]): Promise<void> {
  for (const r of rows) {
    await m.query(
      `INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
         customer_id, type_name, field_path, fields, category, effect, reason, rule)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [batchId, loggedAt, r.at, r.requestId, r.caller, r.roles, r.purpose, r.justification, r.clientAddress, r.policyHash,
        r.customerId, r.typeName, r.fieldPath, r.fields, r.category, r.effect, r.reason, r.rule],
    );
  }
}

import { DataSource } from 'typeorm';
import { DecisionRecord } from './decision-record';

/**
 * Writes a request's decisions to the access log in one multi-row INSERT (unnest of arrays), in
 * one transaction. The response waits for this to commit; if it throws, the request fails with
 * AUDIT_UNAVAILABLE and no personal data (see http/graphql-plugin.ts).
 */
export interface RequestMeta {
  requestId: string;
  caller: string;
  roles: readonly string[];
  purpose: string | null;
  justification: string | null;
  clientAddress: string | null;
  policyHash: string;
  at: Date;
}

export async function writeAccessLog(ds: DataSource, meta: RequestMeta, records: readonly DecisionRecord[]): Promise<void> {
  if (!records.length) return;
  const col = <K extends keyof DecisionRecord>(k: K) => records.map((r) => r[k]);
  await ds.query(
    `INSERT INTO access_log (at, request_id, caller, roles, purpose, justification, client_address, policy_hash,
       customer_id, type_name, field_path, category, effect, reason, rule, fields)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, u.c, u.t, u.p, u.cat, u.e, u.r, u.ru, string_to_array(u.f, ',')
     FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[]) AS u(c, t, p, cat, e, r, ru, f)`,
    [
      meta.at, meta.requestId, meta.caller, meta.roles, meta.purpose, meta.justification, meta.clientAddress, meta.policyHash,
      col('customerId'), col('typeName'), col('recordPath'), col('category'), col('effect'), col('reason'), col('rule'), records.map((r) => r.fields.join(',')),
    ],
  );
}

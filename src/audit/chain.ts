import { createHash } from 'node:crypto';
import { DecisionRecord } from './decision-record';

/**
 * The access log's hash chain: what a batch's hash covers, byte for byte. The writer
 * (batch-insert.ts) and `npm run audit -- verify` (verify-chain.ts) both build it here.
 *
 * A batch's hash is sha256 over a header (previous batch's hash, batch id, logged_at, row count)
 * and one line per row: the row's fields as a canonical JSON array. The array's first eight
 * elements are the request's and the same for every row of a request, so the writer renders them
 * once per request (`requestDigestPrefix`) and only the decision part per row
 * (`decisionDigestSuffix`); joined, they are exactly `JSON.stringify` of the whole array, which is
 * how verify rebuilds a stored row (`rowDigestInput`).
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

/** One access-log row: the request's metadata and one decision. */
export interface LogRow extends RequestMeta {
  customerId: string | null;
  typeName: string;
  fieldPath: string;
  fields: readonly string[];
  category: string;
  effect: string;
  reason: string | null;
  rule: string | null;
}

/** The decision part of a row but its path: the writer holds DecisionRecords, verify reads LogRows back. */
type DecisionPart = Pick<LogRow, 'customerId' | 'typeName' | 'fields' | 'category' | 'effect' | 'reason' | 'rule'>;

export const GENESIS_HASH = '0'.repeat(64);

/** pg_advisory_xact_lock key shared by every gateway process: held while a batch takes its place in the chain. */
export const CHAIN_LOCK = 7_246_531;

/** `[at, requestId, ..., policyHash` (no closing bracket): the request's share of each row's line. */
export function requestDigestPrefix(m: RequestMeta): string {
  const json = JSON.stringify([m.at.toISOString(), m.requestId, m.caller, m.roles, m.purpose, m.justification, m.clientAddress, m.policyHash]);
  return json.slice(0, -1);
}

/** `,customerId, ..., rule]`: one decision's share of its row's line. */
export function decisionDigestSuffix(d: DecisionPart, fieldPath: string): string {
  return ',' + JSON.stringify([d.customerId, d.typeName, fieldPath, d.fields, d.category, d.effect, d.reason, d.rule]).slice(1);
}

/** The exact text a row contributes to its batch hash. */
export function rowDigestInput(r: LogRow): string {
  return requestDigestPrefix(r) + decisionDigestSuffix(r, r.fieldPath);
}

/** The lines of a request's decisions, each ending in a newline, ready to be hashed. */
export function requestDigestLines(meta: RequestMeta, records: readonly DecisionRecord[]): string {
  const prefix = requestDigestPrefix(meta);
  let out = '';
  for (const d of records) {
    out += prefix + decisionDigestSuffix(d, d.recordPath) + '\n';
  }
  return out;
}

/** The batch hash from its header and the concatenated row lines (`requestDigestLines`). */
export function batchHashOfLines(prevHash: string, batchId: string, loggedAt: Date, rowCount: number, lines: Iterable<string>): string {
  const h = createHash('sha256');
  h.update(`${prevHash}\n${batchId}\n${loggedAt.toISOString()}\n${rowCount}\n`);
  for (const l of lines) h.update(l);
  return h.digest('hex');
}

export function batchHash(prevHash: string, batchId: string, loggedAt: Date, rows: readonly LogRow[]): string {
  return batchHashOfLines(prevHash, batchId, loggedAt, rows.length, rows.map((r) => rowDigestInput(r) + '\n'));
}

import { createHash } from 'node:crypto';
import { DecisionRow } from './decision-rows';

/**
 * The access log's hash chain: what a batch's hash covers, byte for byte. The writer
 * (batch-insert.ts) and `npm run audit -- verify` (verify-chain.ts) both build it here.
 *
 * A batch's hash is sha256 over a header (previous batch's hash, batch id, logged_at, row count)
 * and one line per row: the row's fields as a canonical JSON array. The array's first eight
 * elements are the request's and the same for every row of a request, so the writer renders them
 * once per request (`requestDigestPrefix`) and only the decision part per row
 * (`decisionDigestSuffix`); joined, they are exactly `JSON.stringify` of the whole array, which is
 * how verify rebuilds a stored row (`rowDigestInput`, in the format the row was written in).
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

/**
 * One stored access-log row, as verify reads it back: the request's metadata and one decision.
 * Rows written since migration AccessLogDecisionRows hold every category the decision covered
 * (`categories`, `categoryTypes`, `categoryFieldEnds`; `typeName` and `category` null); rows
 * written before hold one (`typeName`, `category`; the arrays null). Each is hashed in the format
 * it was written in.
 */
export interface LogRow extends RequestMeta {
  customerId: string | null;
  fieldPath: string;
  fields: readonly string[];
  effect: string;
  reason: string | null;
  rule: string | null;
  typeName: string | null;
  category: string | null;
  categories: readonly string[] | null;
  categoryTypes: readonly string[] | null;
  categoryFieldEnds: readonly number[] | null;
}

export const GENESIS_HASH = '0'.repeat(64);

/** pg_advisory_xact_lock key shared by every gateway process: held while a batch takes its place in the chain. */
export const CHAIN_LOCK = 7_246_531;

/** `[at, requestId, ..., policyHash` (no closing bracket): the request's share of each row's line. */
export function requestDigestPrefix(m: RequestMeta): string {
  const json = JSON.stringify([m.at.toISOString(), m.requestId, m.caller, m.roles, m.purpose, m.justification, m.clientAddress, m.policyHash]);
  return json.slice(0, -1);
}

/**
 * `,"v2",customerId, ..., fields]`: one row's share of its line. "v2" marks the one-row-per-decision
 * format, so no row of one format can hash like a row of the other.
 */
export function decisionDigestSuffix(d: DecisionRow): string {
  return ',' + JSON.stringify(['v2', d.customerId, d.fieldPath, d.effect, d.reason, d.rule, d.categories, d.categoryTypes, d.categoryFieldEnds, d.fields]).slice(1);
}

/** `,customerId, ..., rule]`: a row written before AccessLogDecisionRows, one category. */
function singleCategorySuffix(r: LogRow): string {
  return ',' + JSON.stringify([r.customerId, r.typeName, r.fieldPath, r.fields, r.category, r.effect, r.reason, r.rule]).slice(1);
}

/** The exact text a stored row contributes to its batch hash. */
export function rowDigestInput(r: LogRow): string {
  if (r.categories === null) return requestDigestPrefix(r) + singleCategorySuffix(r);
  return requestDigestPrefix(r) + decisionDigestSuffix({
    customerId: r.customerId, fieldPath: r.fieldPath, effect: r.effect, reason: r.reason, rule: r.rule,
    categories: r.categories as string[], categoryTypes: r.categoryTypes as string[], categoryFieldEnds: r.categoryFieldEnds as number[], fields: r.fields as string[],
  });
}

/** The lines of a request's rows, each ending in a newline, ready to be hashed. */
export function requestDigestLines(meta: RequestMeta, rows: readonly DecisionRow[]): string {
  const prefix = requestDigestPrefix(meta);
  let out = '';
  for (const d of rows) {
    out += prefix + decisionDigestSuffix(d) + '\n';
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

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
 * Separator of a row's lists (categories, their types, fields) as they travel to PostgreSQL and
 * are hashed: one joined string per list is several times cheaper to send, parse and hash than a
 * JSON array of strings. Never part of a category, a GraphQL name or a record id.
 */
export const LIST_SEP = '\x1f';

const CONTROL = /[\x00-\x1f]/;
const CONTROLS = /[\x00-\x1f]/g;

/**
 * A free-text value as the log stores it: control characters (the log's separators among them,
 * here and in batch-insert.ts) replaced by U+FFFD. Applied to record ids in paths, customer ids,
 * places and rules before a row is hashed, so the stored row and its hash agree.
 */
export function loggable(v: string): string {
  return CONTROL.test(v) ? v.replace(CONTROLS, '\uFFFD') : v;
}

/**
 * One row's decision as a JSON object, lists joined: the text the writer sends to PostgreSQL
 * (batch-insert.ts) and hashes, and the text verify rebuilds from the stored row. Key order is
 * part of the format.
 */
export function decisionJson(d: DecisionRow): string {
  return JSON.stringify({
    c: d.customerId, p: d.fieldPath, e: d.effect, r: d.reason, u: d.rule, g: d.categories.join(LIST_SEP), t: d.categoryTypes.join(LIST_SEP),
    x: d.categoryFieldEnds.join(','), f: d.fields.length ? d.fields.join(LIST_SEP) : null,
  });
}

/** `,"v2",{...}]`: one row's share of its line. "v2" marks the one-row-per-decision format. */
const decisionSuffix = (json: string) => `,"v2",${json}]`;

/** `,customerId, ..., rule]`: a row written before AccessLogDecisionRows, one category. */
function singleCategorySuffix(r: LogRow): string {
  return ',' + JSON.stringify([r.customerId, r.typeName, r.fieldPath, r.fields, r.category, r.effect, r.reason, r.rule]).slice(1);
}

/** The exact text a stored row contributes to its batch hash. */
export function rowDigestInput(r: LogRow): string {
  if (r.categories === null) return requestDigestPrefix(r) + singleCategorySuffix(r);
  return requestDigestPrefix(r) + decisionSuffix(decisionJson({
    customerId: r.customerId, fieldPath: r.fieldPath, effect: r.effect, reason: r.reason, rule: r.rule,
    categories: r.categories as string[], categoryTypes: r.categoryTypes as string[], categoryFieldEnds: r.categoryFieldEnds as number[], fields: r.fields as string[],
  }));
}

/** The lines of a request's rows (as `decisionJson`), each ending in a newline, ready to be hashed. */
export function requestDigestLines(meta: RequestMeta, rows: readonly string[]): string {
  const prefix = requestDigestPrefix(meta);
  let out = '';
  for (const json of rows) out += prefix + decisionSuffix(json) + '\n';
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

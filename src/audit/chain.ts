import { createHash } from 'node:crypto';
import { DecisionRow } from './decision-rows';

/**
 * The access log's hash chain: what a batch's hash covers, byte for byte. The writer
 * (batch-insert.ts, with the database function access_log_link) and `npm run audit -- verify`
 * (verify-chain.ts) both build it here. A batch's `hash_format` says which of two formats it uses.
 *
 * Format 2 (every batch since migration AccessLogChainDigest): sha256 over the previous batch's
 * hash and the batch's header (`batchHeader`: id, logged_at, row count and the digest of its
 * content, the rows as the writer sent them, batch-content.ts). The writer digests the content
 * before it takes the chain lock; under the lock, PostgreSQL hashes only the previous hash and
 * the header (`linkedHash` is the same computation, for verify).
 *
 * Format 1 (batches written before): sha256 over a header (previous hash, batch id, logged_at,
 * row count) and one line per row: the request's metadata and the row's decision as canonical
 * JSON (`rowDigestInput`), in the row's own shape (one category, or "v2" with its categories).
 * Kept so that verify still checks those batches as they were written.
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

/** Format 1: `[at, requestId, ..., policyHash` (no closing bracket), the request's share of each row's line. */
function requestDigestPrefix(m: RequestMeta): string {
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
 * here and in batch-content.ts) replaced by U+FFFD. Applied to record ids in paths, customer ids,
 * places and rules before a row is hashed, so the stored row and its hash agree.
 */
export function loggable(v: string): string {
  return CONTROL.test(v) ? v.replace(CONTROLS, '\uFFFD') : v;
}

/** Format 1: one row's decision as a JSON object, lists joined. Key order is part of the format. */
function decisionJson(d: DecisionRow): string {
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

/** Format 1: the exact text a stored row contributes to its batch hash. */
function rowDigestInput(r: LogRow): string {
  if (r.categories === null) return requestDigestPrefix(r) + singleCategorySuffix(r);
  return requestDigestPrefix(r) + decisionSuffix(decisionJson({
    customerId: r.customerId, fieldPath: r.fieldPath, effect: r.effect, reason: r.reason, rule: r.rule,
    categories: r.categories as string[], categoryTypes: r.categoryTypes as string[], categoryFieldEnds: r.categoryFieldEnds as number[], fields: r.fields as string[],
  }));
}

/** Format 1: the hash of a batch written before AccessLogChainDigest, from its stored rows. */
export function batchHash(prevHash: string, batchId: string, loggedAt: Date, rows: readonly LogRow[]): string {
  const h = createHash('sha256');
  h.update(`${prevHash}\n${batchId}\n${loggedAt.toISOString()}\n${rows.length}\n`);
  for (const r of rows) h.update(rowDigestInput(r) + '\n');
  return h.digest('hex');
}

/** Format 2: what the batch's hash covers besides the previous hash. */
export function batchHeader(batchId: string, loggedAt: Date, rowCount: number, contentDigest: string): string {
  return `${batchId}\n${loggedAt.toISOString()}\n${rowCount}\n${contentDigest}`;
}

/** Format 2: the batch's hash, as access_log_link computes it in PostgreSQL. */
export function linkedHash(prevHash: string, header: string): string {
  return createHash('sha256').update(`${prevHash}\n${header}`).digest('hex');
}

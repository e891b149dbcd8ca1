import { createHash } from 'node:crypto';
import { LIST_SEP, RequestMeta } from './chain';

/**
 * A batch's rows as the writer sends them to PostgreSQL (batch-insert.ts) and as its hash covers
 * them (hash format 2, chain.ts): the nine decision columns, each one text with the rows' values
 * joined by ROW_SEP (NULL written as NULL_MARK); each row's request number; the requests as one
 * JSON document. verify-chain.ts rebuilds the same texts from the stored rows, so the writer
 * hashes exactly what it sends and renders nothing only to hash it.
 *
 * Requests are numbered in order of first appearance, and two requests with the same metadata get
 * one number: verify knows a row's request only by its metadata, so it could not tell them apart.
 * No value holds a control character (chain.ts loggable; categories, types and paths are names),
 * so the separators cannot occur in a value and newlines can frame the digest's parts.
 *
 * Each column starts with one element that PostgreSQL drops (batch-insert.ts): a single row's
 * empty string would otherwise split into no element at all.
 */
export const ROW_SEP = '\x1e';
export const NULL_MARK = '\x01';

/** A row as sent: a DecisionRow (decision-rows.ts), or one verify read back. */
export interface SentRow {
  readonly customerId: string | null;
  readonly fieldPath: string;
  readonly effect: string;
  readonly reason: string | null;
  readonly rule: string | null;
  readonly categories: readonly string[];
  readonly categoryTypes: readonly string[];
  readonly categoryFieldEnds: readonly number[];
  readonly fields: readonly string[];
}

export interface RequestRows {
  meta: RequestMeta;
  rows: readonly SentRow[];
}

export interface BatchContent {
  /** The nine decision columns, in INSERT order (batch-insert.ts), each starting with the dropped element. */
  columns: string[];
  /** Each row's request number (1-based), after a dropped 0. */
  requestOfRow: number[];
  /** `[{n, at, rid, caller, roles, purpose, just, addr, ph}, ...]`. */
  requestsJson: string;
  rowCount: number;
}

export function batchContent(requests: readonly RequestRows[]): BatchContent {
  const cols: string[][] = Array.from({ length: 9 }, () => ['']);
  const requestOfRow: number[] = [0];
  const numbers = new Map<string, number>();
  const described: string[] = [];
  for (const { meta: m, rows } of requests) {
    const key = JSON.stringify([m.at.toISOString(), m.requestId, m.caller, m.roles, m.purpose, m.justification, m.clientAddress, m.policyHash]);
    let n = numbers.get(key);
    if (n === undefined) {
      n = numbers.size + 1;
      numbers.set(key, n);
      described.push(JSON.stringify({
        n, at: m.at.toISOString(), rid: m.requestId, caller: m.caller, roles: m.roles, purpose: m.purpose, just: m.justification, addr: m.clientAddress, ph: m.policyHash,
      }));
    }
    for (const r of rows) {
      cols[0].push(r.customerId ?? NULL_MARK);
      cols[1].push(r.fieldPath);
      cols[2].push(r.effect);
      cols[3].push(r.reason ?? NULL_MARK);
      cols[4].push(r.rule ?? NULL_MARK);
      cols[5].push(r.categories.join(LIST_SEP));
      cols[6].push(r.categoryTypes.join(LIST_SEP));
      cols[7].push(r.categoryFieldEnds.join(','));
      cols[8].push(r.fields.length ? r.fields.join(LIST_SEP) : NULL_MARK);
      requestOfRow.push(n);
    }
  }
  return { columns: cols.map((c) => c.join(ROW_SEP)), requestOfRow, requestsJson: `[${described.join(',')}]`, rowCount: requestOfRow.length - 1 };
}

/** sha256 (hex) of the batch's content: the requests, then each column, then the rows' request numbers, one per line. */
export function contentDigest(c: BatchContent): string {
  const h = createHash('sha256');
  h.update(c.requestsJson);
  for (const col of c.columns) h.update('\n').update(col);
  h.update('\n').update(c.requestOfRow.join(','));
  return h.digest('hex');
}

/**
 * How a decision's field paths are written to the access log: the same field of several records
 * of one list is written once, with the records' positions as ranges.
 *
 *   orders.0.total, orders.1.total, orders.2.total, orders.5.total  ->  orders.0-2,5.total
 *   accounts.0.loginEvents.0.ipAddress, accounts.0.loginEvents.1.ipAddress
 *                                                                    ->  accounts.0.loginEvents.0-1.ipAddress
 *
 * Only the records of the innermost list are folded (a nested list's records are grouped under
 * each parent record), and nothing is lost: each position read is in a run, a position read
 * twice (the same field under two aliases) twice. GraphQL names never start with a digit, so a
 * segment of digits, '-' and ',' is always positions. Why: a 100-customer read decides about
 * 10,000 field paths, mostly the same few fields of each customer's orders, events and messages;
 * written one by one they were most of the log's bytes to build, hash, send, parse and store.
 *
 * The folding happens as fields are decided (field-decision.ts), keyed by the list's place and
 * the field name, so no path is built or parsed for a list's records: a decision's `fields` hold
 * plain paths and FoldedField groups, rendered once when the log row is written.
 */
export interface FoldedField {
  /** The list's place with a trailing dot: `orders.`, `accounts.0.loginEvents.`. */
  readonly head: string;
  /** What follows the position: `.total`. */
  readonly tail: string;
  /** Pairs [first, last] of consecutive positions, in the order met. */
  readonly runs: number[];
}

/** One field path of a decision as collected: a path, or one field of several records of a list. */
export type CollectedField = string | FoldedField;

/** Adds position `index` to a group: extends the last run when it is the next position. */
export function addPosition(group: FoldedField, index: number): void {
  const runs = group.runs;
  if (runs[runs.length - 1] === index - 1) runs[runs.length - 1] = index;
  else runs.push(index, index);
}

/** A collected field as the log writes it: `orders.0-2,5.total`. */
export function fieldPathText(f: CollectedField): string {
  if (typeof f === 'string') return f;
  let s = f.head;
  const runs = f.runs;
  for (let i = 0; i < runs.length; i += 2) {
    if (i > 0) s += ',';
    s += runs[i] === runs[i + 1] ? `${runs[i]}` : `${runs[i]}-${runs[i + 1]}`;
  }
  return s + f.tail;
}

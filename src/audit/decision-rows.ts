import { DecisionRecord } from './decision-record';
import { fieldPathText } from './field-paths';
import { loggable } from './chain';

/**
 * One access-log row as the writer stores it: one decision (effect, reason, rule) at one customer
 * place of a request, and every category it covered there. Category i's GraphQL type is
 * `categoryTypes[i]`, its fields are `fields` from just after `categoryFieldEnds[i - 1]` up to and
 * including `categoryFieldEnds[i]` (1-based, as PostgreSQL slices `fields[a:b]`).
 *
 * A request collects one DecisionRecord per (customer place, category, decision), because a
 * decision is made per category; the rows group them. For the 100-customer read with every field
 * that is 170 rows instead of 1,835, and every row costs PostgreSQL its index entries
 * (migration AccessLogDecisionRows). The view access_log_entries turns rows back into entries.
 * A list's folded fields are rendered here, once (field-paths.ts): `orders.0-13.total`.
 */
export interface DecisionRow {
  readonly customerId: string | null;
  readonly fieldPath: string;
  readonly effect: string;
  readonly reason: string | null;
  readonly rule: string | null;
  readonly categories: string[];
  readonly categoryTypes: string[];
  readonly categoryFieldEnds: number[];
  readonly fields: string[];
}

/** A request's decision records as rows, in order of each row's first record; categories in record order. */
export function decisionRows(records: readonly DecisionRecord[]): DecisionRow[] {
  const rows = new Map<string, DecisionRow>();
  for (const d of records) {
    const key = `${d.customerId}\u0000${d.recordPath}\u0000${d.effect}\u0000${d.reason}\u0000${d.rule}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        customerId: d.customerId === null ? null : loggable(d.customerId), fieldPath: loggable(d.recordPath), effect: d.effect, reason: d.reason,
        rule: d.rule === null ? null : loggable(d.rule), categories: [], categoryTypes: [], categoryFieldEnds: [], fields: [],
      };
      rows.set(key, row);
    }
    row.categories.push(d.category);
    row.categoryTypes.push(d.typeName);
    for (const f of d.fields) row.fields.push(fieldPathText(f));
    row.categoryFieldEnds.push(row.fields.length);
  }
  return [...rows.values()];
}

import { GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { GatewayContext } from '../http/context';
import { purposeCovers, retentionCutoff } from '../policy/decide';
import { recordDecision, CachedDecision } from './field-decision';
import { FoldedField } from '../audit/field-paths';
import { loggable } from '../audit/chain';

/**
 * Every record (a customer, one of their emails, a login event...) gets its scope when the field
 * that returns it resolves: which customer it belongs to, where it sits in the response, its
 * collection time and that customer's cached decisions. Each tagged field of the record then
 * reads its scope with one property access instead of working any of that out again.
 */
export interface RecordScope {
  readonly customerId: string;
  /** Where the customer sits in the response: `customer`, `customers.3`. */
  readonly root: string;
  /** The record relative to its customer (`emails.0`), '' for the customer itself; with a trailing dot when not empty. */
  readonly prefix: string;
  /** The list the record is an element of below its customer, and its position there; null for a customer or a single record. */
  readonly list: ListPlace | null;
  readonly index: number;
  /** The customer's decisions by category slot, shared by all its records in the request. */
  readonly decisions: CachedDecision[];
  /** Collection time in ms; Infinity when the record has none (never past retention). */
  readonly collectedAt: number;
}

/**
 * One list of records at one place of the response (`orders.`, `accounts.0.loginEvents.`): its
 * records' fields are logged folded, one path per field with the positions read
 * (src/audit/field-paths.ts). The groups are by field name: a list's records are of one type (the
 * schema has no unions or interfaces; one would need the type in the key), a field of a type has
 * one category, and within one list (one customer, one place) a category's decision has one entry.
 */
export interface ListPlace {
  /** The list's path relative to its customer, with a trailing dot. */
  readonly base: string;
  /** Made when the first field of the list's records is decided. */
  groups: Map<string, FoldedField> | null;
}

export const SCOPE = Symbol('record scope');

interface ScopedRow {
  id: string;
  customerId?: string;
  collectedAt?: Date;
  [SCOPE]?: RecordScope;
}

export function scopeOf(parent: unknown): RecordScope | undefined {
  return (parent as ScopedRow | null)?.[SCOPE];
}

/**
 * The scope is stored on the row itself (rows are per request: DataLoaders live in the request
 * context). A row that already has one sits at a second place in the same response (an id asked
 * twice, an alias): it gets a copy, so each place keeps its own path.
 */
function withScope(ctx: GatewayContext, row: ScopedRow, root: string, prefix: string, outer: RecordScope | undefined, list: ListPlace | null = null, index = -1): ScopedRow {
  const customerId = row.customerId ?? row.id;
  // A customer's records share its decisions: found through the record above when it is theirs.
  let decisions = outer !== undefined && outer.customerId === customerId ? outer.decisions : ctx.decisionCache.get(customerId);
  if (!decisions) ctx.decisionCache.set(customerId, (decisions = []));
  const scope: RecordScope = { customerId, root, prefix, list, index, decisions, collectedAt: row.collectedAt ? row.collectedAt.getTime() : Infinity };
  if (row[SCOPE] === undefined) {
    row[SCOPE] = scope;
    return row;
  }
  return { ...row, [SCOPE]: scope };
}

/**
 * Scopes what a record-returning field resolved to (one record or a list). Below a record, the
 * path continues its parent's; elsewhere (root fields) the record's own path is its customer's
 * place. Nested lists drop the records past retention first (see dropExpired). A list whose
 * rows had to be copied is returned as a new array, never changed in place: DataLoader hands the
 * same one to every alias of the field.
 */
export function scopeRecords(ctx: GatewayContext, parent: unknown, value: unknown, typeName: string, typeCategories: readonly string[], info: GraphQLResolveInfo): unknown {
  if (value === null || value === undefined) return value;
  const outer = scopeOf(parent);
  const key = String(info.path.key);
  if (!Array.isArray(value)) {
    return outer ? withScope(ctx, value as ScopedRow, outer.root, `${outer.prefix}${key}.`, outer) : withScope(ctx, value as ScopedRow, responsePathAsArray(info.path).join('.'), '', outer);
  }
  const rows = outer ? dropExpired(ctx, typeName, typeCategories, value as ScopedRow[], outer, key) : (value as (ScopedRow | null)[]);
  const base = outer ? `${outer.prefix}${key}.` : `${responsePathAsArray(info.path).join('.')}.`;
  // Below a customer, the list's records are logged folded; at the root each record is a customer's place.
  const list: ListPlace | null = outer ? { base, groups: null } : null;
  let scoped: (ScopedRow | null)[] | null = null; // made only when a row had to be copied
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === null || row === undefined) continue;
    const done = outer ? withScope(ctx, row, outer.root, `${base}${i}.`, outer, list, i) : withScope(ctx, row, `${base}${i}`, '', outer);
    if (done !== row) (scoped ??= rows.slice())[i] = done;
  }
  return scoped ?? rows;
}

/**
 * "Records older than their retention for the purpose are not returned": a record of a nested
 * list is dropped when every category of its type that the purpose covers is past retention.
 * Each drop is logged as a RETENTION_EXPIRED decision on `list[id=...]`. (A customer itself is
 * never dropped from `customers(ids:)`, whose answer keeps the order asked; its fields are
 * denied one by one instead.)
 */

function dropExpired(ctx: GatewayContext, typeName: string, typeCategories: readonly string[], rows: ScopedRow[], outer: RecordScope, key: string): ScopedRow[] {
  const cutoff = ctx.purpose ? typeCutoff(ctx, typeName, typeCategories) : null;
  if (cutoff === null) return rows;
  return rows.filter((row) => {
    const expired = row.collectedAt !== undefined && row.collectedAt.getTime() <= cutoff.at;
    if (expired) {
      recordDecision(ctx, row.customerId ?? outer.customerId, typeName, cutoff.category, { effect: 'DENY', reason: 'RETENTION_EXPIRED', rule: `purposes.${ctx.purpose!.key}.retention` },
        outer.root, `${outer.prefix}${key}[id=${loggable(String(row.id))}]`);
    }
    return !expired;
  });
}

/**
 * For one record type and the request's purpose: the instant at or before which a record is past
 * retention for every category of the type the purpose covers (the earliest of their cut-offs),
 * or null when none applies. Computed once per type per request.
 */
function typeCutoff(ctx: GatewayContext, typeName: string, typeCategories: readonly string[]): { at: number; category: string } | null {
  const known = ctx.typeCutoffs.get(typeName);
  if (known !== undefined) return known;
  const purpose = ctx.purpose!;
  const covered = typeCategories.filter((c) => purposeCovers(purpose, c));
  const cutoffs = covered.map((c) => retentionCutoff(purpose, c, ctx.now));
  const out = covered.length && cutoffs.every((c) => c !== null) ? { at: Math.min(...cutoffs.map((c) => c!.getTime())), category: covered[0] } : null;
  ctx.typeCutoffs.set(typeName, out);
  return out;
}

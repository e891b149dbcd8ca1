import { FieldNode, GraphQLFieldResolver, GraphQLResolveInfo, Kind, responsePathAsArray, SelectionSetNode } from 'graphql';
import { GatewayContext } from '../http/context';
import { Decision } from '../policy/decide';
import { CachedDecision, peekDecision, recordDecision, SlottedCategory } from './field-decision';
import { denyField } from './denial-error';
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
  const decisions = outer !== undefined && outer.customerId === customerId ? outer.decisions : decisionsOf(ctx, customerId);
  const scope: RecordScope = { customerId, root, prefix, list, index, decisions, collectedAt: row.collectedAt ? row.collectedAt.getTime() : Infinity };
  if (row[SCOPE] === undefined) {
    row[SCOPE] = scope;
    return row;
  }
  return { ...row, [SCOPE]: scope };
}

/**
 * What enforce.ts knows about a record type at schema build: its categories (with decision
 * slots), and its fields that return child records: each with the child type, every category
 * found below it (the child type's and its descendants'), and the field's own resolver, so a
 * record can find out whether it leads to records the purpose may see.
 */
export interface RecordTypeInfo {
  readonly typeName: string;
  readonly categories: readonly SlottedCategory[];
  readonly children: ReadonlyMap<string, ChildField>;
}

export interface ChildField {
  readonly type: RecordTypeInfo;
  readonly below: readonly SlottedCategory[];
  /** The field's resolver before enforce.ts wrapped it: the child rows as stored (DataLoader-cached per request). */
  readonly load: GraphQLFieldResolver<unknown, GatewayContext>;
}

/**
 * Scopes what a record-returning field resolved to (one record or a list). Below a record, the
 * path continues its parent's; elsewhere (root fields) the record's own path is its customer's
 * place. A nested list the purpose may see nothing of, for this customer, is denied whole (null
 * with a coded error, like a denied field: deniedList); otherwise the records it may see nothing
 * of are left out (visibleRecords). A list whose rows had to be copied or left out is returned
 * as a new array, never changed in place: DataLoader hands the same one to every alias of the field.
 */
export function scopeRecords(ctx: GatewayContext, parent: unknown, value: unknown, type: RecordTypeInfo, info: GraphQLResolveInfo): unknown {
  if (value === null || value === undefined) return value;
  const outer = scopeOf(parent);
  const key = String(info.path.key);
  if (!Array.isArray(value)) {
    return outer ? withScope(ctx, value as ScopedRow, outer.root, `${outer.prefix}${key}.`, outer) : withScope(ctx, value as ScopedRow, responsePathAsArray(info.path).join('.'), '', outer);
  }
  let rows = value as (ScopedRow | null)[];
  if (outer) {
    const denied = deniedList(ctx, type, outer, info);
    if (denied !== null) {
      recordDecision(ctx, outer.customerId, type.typeName, denied.category, denied.decision, outer.root, `${outer.prefix}${key}`);
      return denyField(ctx, denied.decision, denied.category, info);
    }
    const visible = visibleRecords(ctx, type, value as ScopedRow[], outer, key, info);
    if (visible instanceof Promise) return visible.then((v) => scopeList(ctx, v, outer, key, info));
    rows = visible;
  }
  return scopeList(ctx, rows, outer, key, info);
}

function scopeList(ctx: GatewayContext, rows: (ScopedRow | null)[], outer: RecordScope | undefined, key: string, info: GraphQLResolveInfo): (ScopedRow | null)[] {
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
 * A record's id, source and collection time are personal data of that record, and so is how
 * many records a customer has. When the purpose may see none of a list's categories for this
 * customer (not covered, no consent, objected, restricted, erased...), nor any of the child
 * records the query selects below them, the list itself is denied: null with a coded error, the
 * decision of its first category the purpose covers (the most telling reason), and one access-log
 * entry for the list (`phones`): no record of it is looked at, so nothing of them leaks, not even
 * whether there are any. Null when the list may show something.
 */
function deniedList(ctx: GatewayContext, type: RecordTypeInfo, outer: RecordScope, info: GraphQLResolveInfo): { category: string; decision: Decision } | null {
  let denial: { category: string; decision: Decision } | null = null;
  for (const c of type.categories) {
    const d = peekDecision(ctx, outer.customerId, outer.decisions, Infinity, c.category, c.slot);
    if (d.effect !== 'DENY') return null;
    if (denial === null || (denial.decision.reason === 'CATEGORY_NOT_IN_PURPOSE' && d.reason !== 'CATEGORY_NOT_IN_PURPOSE')) denial = { category: c.category, decision: d };
  }
  if (pathsBelow(ctx, type, outer, info).length) return null;
  return denial;
}

/**
 * In a list the purpose may see some of, a record whose every category is denied for it (past
 * its retention, judged by the record's own collection time, never its parent's) is left out
 * and logged by its id (`accounts.0.loginEvents[id=12]`). A parent does not hide its children: a
 * record past retention is kept, as a bare path, when the query selects child records under it
 * and at least one of them is one the purpose may see (an account past its own retention,
 * through which last week's logins are reached); its own fields, metadata included, are then
 * denied one by one with their reasons. Finding that out loads the child rows (the same
 * DataLoader call their field makes next), so the list then resolves asynchronously.
 */
function visibleRecords(ctx: GatewayContext, type: RecordTypeInfo, rows: ScopedRow[], outer: RecordScope, key: string, info: GraphQLResolveInfo): ScopedRow[] | Promise<ScopedRow[]> {
  let hidden: { index: number; category: string; decision: Decision }[] | null = null; // made only when a row is denied
  for (let i = 0; i < rows.length; i++) {
    const collectedAt = rows[i].collectedAt?.getTime() ?? Infinity;
    let expired: { category: string; decision: Decision } | null = null;
    for (const c of type.categories) {
      const d = peekDecision(ctx, outer.customerId, outer.decisions, collectedAt, c.category, c.slot);
      if (d.effect !== 'DENY') {
        expired = null;
        break;
      }
      if (expired === null || (expired.decision.reason !== 'RETENTION_EXPIRED' && d.reason === 'RETENTION_EXPIRED')) expired = { category: c.category, decision: d };
    }
    if (expired !== null) (hidden ??= []).push({ index: i, ...expired });
  }
  if (hidden === null) return rows;
  const paths = pathsBelow(ctx, type, outer, info);
  const leaveOut = (keep: boolean[]): ScopedRow[] => {
    const dropped = new Set<number>();
    hidden!.forEach((x, h) => {
      if (keep[h]) return;
      dropped.add(x.index);
      recordDecision(ctx, outer.customerId, type.typeName, x.category, x.decision, outer.root, `${outer.prefix}${key}[id=${loggable(String(rows[x.index].id))}]`);
    });
    return dropped.size ? rows.filter((_, i) => !dropped.has(i)) : rows;
  };
  if (!paths.length) return leaveOut([]);
  return Promise.all(hidden.map((x) => leadsToVisible(ctx, rows[x.index], paths, outer, info))).then(leaveOut);
}

/** Whether one of the record's selected child lists holds a record the purpose may see (its own categories, its own age). */
async function leadsToVisible(ctx: GatewayContext, row: ScopedRow, paths: readonly ChildField[], outer: RecordScope, info: GraphQLResolveInfo): Promise<boolean> {
  for (const child of paths) {
    const loaded = (await child.load(row, {}, ctx, info)) as ScopedRow[] | null;
    for (const r of loaded ?? []) {
      const at = r.collectedAt?.getTime() ?? Infinity;
      if (child.type.categories.some((c) => peekDecision(ctx, outer.customerId, outer.decisions, at, c.category, c.slot).effect !== 'DENY')) return true;
      // Deeper levels are judged for the customer as a whole, not record by record.
      if (child.type.children.size && [...child.type.children.values()].some((g) => g.below.some((c) => peekDecision(ctx, outer.customerId, outer.decisions, Infinity, c.category, c.slot).effect !== 'DENY'))) return true;
    }
  }
  return false;
}

function decisionsOf(ctx: GatewayContext, customerId: string): CachedDecision[] {
  let decisions = ctx.decisionCache.get(customerId);
  if (!decisions) ctx.decisionCache.set(customerId, (decisions = []));
  return decisions;
}

/**
 * The child-record fields this field's selection asks for (through fragments too) below which the
 * purpose may see some category for this customer. The selected fields are worked out once per
 * field node: Apollo keeps parsed documents, so a service sending the same query gets the same nodes.
 */
function pathsBelow(ctx: GatewayContext, type: RecordTypeInfo, outer: RecordScope, info: GraphQLResolveInfo): ChildField[] {
  if (type.children.size === 0) return [];
  return selectedChildren(type, info).filter((child) => child.below.some((c) => peekDecision(ctx, outer.customerId, outer.decisions, Infinity, c.category, c.slot).effect !== 'DENY'));
}

const selectedBelow = new WeakMap<FieldNode, readonly ChildField[]>();
function selectedChildren(type: RecordTypeInfo, info: GraphQLResolveInfo): readonly ChildField[] {
  const node = info.fieldNodes[0];
  let found = info.fieldNodes.length === 1 ? selectedBelow.get(node) : undefined;
  if (found !== undefined) return found;
  const out = new Set<ChildField>();
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>): void => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        const child = type.children.get(s.name.value);
        if (child) out.add(child);
      } else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, seen);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        visit(info.fragments[s.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const n of info.fieldNodes) visit(n.selectionSet, new Set());
  found = [...out];
  if (info.fieldNodes.length === 1) selectedBelow.set(node, found);
  return found;
}

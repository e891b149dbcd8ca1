import { defaultFieldResolver, FieldNode, GraphQLResolveInfo, GraphQLSchema, isObjectType, responsePathAsArray } from 'graphql';
import { categoryOf } from './category.directive';
import { GatewayContext } from '../http/context';
import { DecisionRecord } from '../audit/decision-record';
import { applyRetention, decideBeforeRetention, Decision, purposeCovers, retentionCutoff } from '../policy/decide';
import { mask } from '../policy/mask';
import { GatewayError, withoutStack } from '../errors';

/**
 * The decide stage, wired into the schema: every field tagged with a category gets its resolver
 * wrapped so its value leaves only through `decide()`. The wrapper is synchronous for plain
 * fields (no promise per field), records every decision for the access log, and fails closed:
 * no purpose, or no loaded state for the customer, means no value.
 */
export function enforceCategories(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const category = categoryOf(field);
      if (!category) continue;
      const slot = categorySlot(category);
      const inner = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, ctx: GatewayContext, info) => {
        const decision = decideField(ctx, parent as FieldParent, category, slot, info);
        if (decision.effect === 'DENY') return policyError(decision, category, info);
        const value = inner(parent, args, ctx, info);
        if (decision.effect === 'ALLOW') return value;
        const kind = decision.mask!;
        return value instanceof Promise ? value.then((v) => mask(kind, v)) : mask(kind, value);
      };
    }
  }
  return schema;
}

interface FieldParent {
  id: string;
  customerId?: string;
  collectedAt?: Date;
}

/**
 * Where a field sits, split at its customer: `customers.3` + `emails.0.address`. The access log
 * keeps one entry per (customer, category, decision) listing every field it covered by this
 * relative path, so nothing is lost and a 100-customer read writes hundreds of rows, not
 * thousands.
 */
type Path = GraphQLResolveInfo['path'];
const located = new WeakMap<Path, { root: string; rel: string }>();

/**
 * Where a response path sits relative to its customer, cached per path object: graphql-js shares
 * one parent path among a record's fields, so each record is located once and each field costs
 * one lookup and one concatenation.
 */
function locate(path: Path): { root: string; rel: string } {
  let hit = located.get(path);
  if (hit) return hit;
  if (!path.prev) hit = { root: String(path.key), rel: '' };
  else if (!path.prev.prev && typeof path.key === 'number') hit = { root: `${path.prev.key}.${path.key}`, rel: '' };
  else {
    const parent = locate(path.prev);
    hit = { root: parent.root, rel: parent.rel ? `${parent.rel}.${path.key}` : String(path.key) };
  }
  located.set(path, hit);
  return hit;
}

function splitPath(path: Path): { root: string; relative: string } {
  const where = locate(path);
  return { root: where.root, relative: where.rel };
}

/** Records the decision in the request's access-log entries, grouped per (customer, category, decision). */
export function recordDecision(ctx: GatewayContext, customerId: string, typeName: string, category: string, d: Decision, where: { root: string; relative: string }): DecisionRecord {
  const key = `${where.root}\u0000${category}\u0000${d.effect}\u0000${d.reason}\u0000${d.rule}`;
  let entry = ctx.logEntries.get(key);
  if (!entry) {
    entry = { customerId, typeName, recordPath: where.root, fields: [], category, effect: d.effect, reason: d.reason, rule: d.rule };
    ctx.logEntries.set(key, entry);
    ctx.decisions.push(entry);
  }
  entry.fields.push(where.relative);
  return entry;
}

/** Categories numbered once, at schema build: a customer's cached decisions are an array indexed by them. */
const slots = new Map<string, number>();
function categorySlot(category: string): number {
  let n = slots.get(category);
  if (n === undefined) slots.set(category, (n = slots.size));
  return n;
}

/** What every field of one record shares: where it sits, its customer's cached decisions, its collection time. */
interface RecordScope {
  customerId: string;
  root: string;
  rel: string;
  decisions: CachedDecision[];
  collectedAt: number;
}
export type CachedDecision = { pre: Decision; cutoff: number; entry?: DecisionRecord };
const NO_CUTOFF = -Infinity; // no retention limit: nothing is collected at or before it
const scopes = new WeakMap<Path, RecordScope>();

/**
 * Found once per record (graphql-js shares one parent path object among a record's fields), so
 * each field costs one lookup, one array read and one concatenation.
 */
function scopeOf(ctx: GatewayContext, parent: FieldParent, path: Path): RecordScope {
  let scope = scopes.get(path);
  if (!scope) {
    const customerId = parent.customerId ?? parent.id;
    let decisions = ctx.decisionCache.get(customerId);
    if (!decisions) ctx.decisionCache.set(customerId, (decisions = []));
    const where = locate(path);
    scope = { customerId, root: where.root, rel: where.rel, decisions, collectedAt: parent.collectedAt ? parent.collectedAt.getTime() : Infinity };
    scopes.set(path, scope);
  }
  return scope;
}

/** Rules 1-6 and 8 for (customer, category): they depend on the customer, not the record. */
function decideForCustomer(ctx: GatewayContext, customerId: string, category: string): CachedDecision {
  const purpose = ctx.purpose;
  // The plan stage requires a purpose for every tagged field; reaching here without one is a bug: deny.
  if (purpose === null) return { pre: { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purpose.missing' }, cutoff: NO_CUTOFF };
  if (!purposeCovers(purpose, category)) return { pre: decideBeforeRetention(ctx.pack, purpose, category, null, ctx.now), cutoff: NO_CUTOFF };
  const state = ctx.states.get(customerId);
  if (!state) throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Customer state was not loaded; refusing to decide');
  const pre = decideBeforeRetention(ctx.pack, purpose, category, state, ctx.now);
  const cutoff = pre.effect === 'DENY' ? null : retentionCutoff(purpose, category, ctx.now);
  return { pre, cutoff: cutoff === null ? NO_CUTOFF : cutoff.getTime() };
}

/**
 * The decision for one field: the customer's cached decision for the category, then rule 7
 * (retention), the one rule that depends on the record: one comparison of its collection time.
 */
function decideField(ctx: GatewayContext, parent: FieldParent, category: string, slot: number, info: GraphQLResolveInfo): Decision {
  const scope = scopeOf(ctx, parent, info.path.prev!);
  const cached = (scope.decisions[slot] ??= decideForCustomer(ctx, scope.customerId, category));
  const relative = scope.rel ? `${scope.rel}.${info.fieldName}` : info.fieldName;
  if (scope.collectedAt > cached.cutoff) {
    // Fast path: the customer's entry for this decision, remembered on the cached decision.
    if (cached.entry && cached.entry.recordPath === scope.root) cached.entry.fields.push(relative);
    else cached.entry = recordDecision(ctx, scope.customerId, info.parentType.name, category, cached.pre, { root: scope.root, relative });
    return cached.pre;
  }
  const expired = applyRetention(cached.pre, ctx.purpose!, new Date(cached.cutoff), parent.collectedAt!);
  recordDecision(ctx, scope.customerId, info.parentType.name, category, expired, { root: scope.root, relative });
  return expired;
}

/**
 * Denial errors, cheaply. A response may carry thousands of them, and a GraphQLError costs a
 * stack capture, property definitions and a line/column scan of the query per instance (the top
 * of a --cpu-prof). Errors for the same field node and the same decision differ only in `path`,
 * so one template is built per (field node, decision) and each denial is a clone that owns its
 * path. The clone is still `instanceof GraphQLError`, and having a path array makes graphql-js
 * use it as is rather than wrap it (locatedError).
 */
const templates = new WeakMap<FieldNode, Map<string, GatewayError>>();

function policyError(d: Decision, category: string, info: GraphQLResolveInfo): GatewayError {
  const node = info.fieldNodes[0];
  let byDecision = templates.get(node);
  if (!byDecision) templates.set(node, (byDecision = new Map()));
  const key = `${category}|${d.reason}|${d.rule}`;
  let template = byDecision.get(key);
  if (!template) {
    template = withoutStack(() => new GatewayError('FORBIDDEN_BY_POLICY', `Not available for this purpose: ${d.reason}`, { reason: d.reason, category, rule: d.rule }, { nodes: info.fieldNodes, path: [] }));
    byDecision.set(key, template);
  }
  const error = Object.create(template) as GatewayError;
  Object.defineProperty(error, 'path', { value: responsePathAsArray(info.path), enumerable: true });
  return error;
}

/**
 * "Records older than their retention for the purpose are not returned": a record is dropped
 * when every category of its type that the purpose covers is past retention. Each drop is
 * logged as a RETENTION_EXPIRED decision on `list[id=...]`.
 */
export function dropExpired<T extends { id: string; customerId: string; collectedAt: Date }>(
  ctx: GatewayContext,
  typeName: string,
  typeCategories: readonly string[],
  rows: T[],
  info: GraphQLResolveInfo,
): T[] {
  const purpose = ctx.purpose;
  if (!purpose) return rows;
  const covered = typeCategories.filter((c) => purposeCovers(purpose, c));
  if (!covered.length) return rows;
  const cutoffs = covered.map((c) => retentionCutoff(purpose, c, ctx.now));
  if (cutoffs.some((c) => c === null)) return rows;
  return rows.filter((row) => {
    const expired = cutoffs.every((c) => row.collectedAt <= c!);
    if (expired) {
      const where = splitPath(info.path);
      recordDecision(ctx, row.customerId, typeName, covered[0], { effect: 'DENY', reason: 'RETENTION_EXPIRED', rule: `purposes.${purpose.key}.retention` },
        { root: where.root, relative: `${where.relative}[id=${row.id}]` });
    }
    return !expired;
  });
}

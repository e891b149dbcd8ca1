import { GatewayContext } from '../http/context';
import { DecisionRecord } from '../audit/decision-record';
import { applyRetention, decideBeforeRetention, Decision, purposeCovers, retentionCutoff } from '../policy/decide';
import { GatewayError } from '../errors';
import { RecordScope } from './record-scope';
import { addPosition, FoldedField } from '../audit/field-paths';

/**
 * The decision for one tagged field of one record, and its access-log entry. Rules 1-6 and 8 do
 * not depend on the record: they are decided once per (customer, category) and cached on the
 * customer's decision array; rule 7 (retention) is one comparison of the record's collection
 * time against a cut-off computed once per category.
 */
export interface CachedDecision {
  pre: Decision;
  cutoff: number;
  /** The access-log entry of this decision at the customer's latest place in the response. */
  entry?: DecisionRecord;
  /** Entries by place, once the customer has been met at a second place (an id asked twice). */
  byRoot?: Map<string, DecisionRecord>;
}
const NO_CUTOFF = -Infinity; // no retention limit: nothing is collected at or before it

/** Records a decision in the request's access-log entries, grouped per (customer place, category, decision): for retention denials. */
export function recordDecision(ctx: GatewayContext, customerId: string, typeName: string, category: string, d: Decision, root: string, relative: string): DecisionRecord {
  const key = `${root}\u0000${category}\u0000${d.effect}\u0000${d.reason}\u0000${d.rule}`;
  let entry = ctx.logEntries.get(key);
  if (!entry) {
    entry = { customerId, typeName, recordPath: root, fields: [], category, effect: d.effect, reason: d.reason, rule: d.rule };
    ctx.logEntries.set(key, entry);
    ctx.decisions.push(entry);
  }
  entry.fields.push(relative);
  return entry;
}

/** Retention cut-off (ms) for a category under the request's purpose: once per request and category. */
function cutoffFor(ctx: GatewayContext, category: string, slot: number): number {
  let c = ctx.retentionCutoffs[slot];
  if (c === undefined) {
    const at = retentionCutoff(ctx.purpose!, category, ctx.now);
    ctx.retentionCutoffs[slot] = c = at === null ? NO_CUTOFF : at.getTime();
  }
  return c;
}

/** Rules 1-6 and 8 for (customer, category). Fails closed when the customer's state was not loaded. */
function decideForCustomer(ctx: GatewayContext, customerId: string, category: string, slot: number): CachedDecision {
  const purpose = ctx.purpose;
  // The plan stage requires a purpose for every tagged field; reaching here without one is a bug: deny.
  if (purpose === null) return { pre: { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purpose.missing' }, cutoff: NO_CUTOFF };
  if (!purposeCovers(purpose, category)) return { pre: decideBeforeRetention(ctx.pack, purpose, category, null, ctx.now), cutoff: NO_CUTOFF };
  const state = ctx.states.get(customerId);
  if (!state) throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Customer state was not loaded; refusing to decide');
  const pre = decideBeforeRetention(ctx.pack, purpose, category, state, ctx.now);
  return { pre, cutoff: pre.effect === 'DENY' ? NO_CUTOFF : cutoffFor(ctx, category, slot) };
}

/**
 * The decision for one category of one record, without recording it: what the record would
 * show of that category. Used to judge whether a record is visible at all (record-scope.ts) and
 * which category releases its metadata (decideMetadata).
 */
export function peekDecision(ctx: GatewayContext, customerId: string, decisions: CachedDecision[], collectedAt: number, category: string, slot: number): Decision {
  const cached = (decisions[slot] ??= decideForCustomer(ctx, customerId, category, slot));
  if (collectedAt > cached.cutoff) return cached.pre;
  return applyRetention(cached.pre, ctx.purpose!, new Date(cached.cutoff), new Date(collectedAt));
}

/** A record type's categories with their decision slots, in field order (enforce.ts builds them once). */
export interface SlottedCategory {
  readonly category: string;
  readonly slot: number;
}

/**
 * A record's metadata (its id, source, collection time) is personal data of the record: it is
 * released with the first of the record's categories the purpose may see for this record, and
 * recorded in that category's access-log entry; when it may see none, it is denied with the
 * decision of the first category the purpose covers (the most telling reason: RETENTION_EXPIRED,
 * NO_CONSENT...), or of the first category when it covers none. Never masked: a masked category
 * is still one the purpose may see, and an id or a date has no masked form.
 */
export function decideMetadata(ctx: GatewayContext, scope: RecordScope, typeName: string, fieldName: string, categories: readonly SlottedCategory[]): { decision: Decision; category: string } {
  let denial: SlottedCategory | null = null;
  for (const c of categories) {
    const d = peekDecision(ctx, scope.customerId, scope.decisions, scope.collectedAt, c.category, c.slot);
    if (d.effect !== 'DENY') {
      decideField(ctx, scope, typeName, fieldName, c.category, c.slot);
      return { decision: RELEASED_WITH_RECORD, category: c.category };
    }
    if (denial === null && d.reason !== 'CATEGORY_NOT_IN_PURPOSE') denial = c;
  }
  const by = denial ?? categories[0];
  return { decision: decideField(ctx, scope, typeName, fieldName, by.category, by.slot), category: by.category };
}
const RELEASED_WITH_RECORD: Decision = { effect: 'ALLOW', reason: null, rule: 'record.metadata' };

/** The decision for field `fieldName` of the record with this scope, recorded for the access log. */
export function decideField(ctx: GatewayContext, scope: RecordScope, typeName: string, fieldName: string, category: string, slot: number): Decision {
  const cached = (scope.decisions[slot] ??= decideForCustomer(ctx, scope.customerId, category, slot));
  if (scope.collectedAt > cached.cutoff) {
    let entry = cached.entry;
    if (entry === undefined || entry.recordPath !== scope.root) cached.entry = entry = entryAtPlace(ctx, cached, scope, typeName, category);
    const list = scope.list;
    if (list === null) {
      entry.fields.push(scope.prefix + fieldName);
      return cached.pre;
    }
    // One of a list's records: its field joins the list's group for this field (field-paths.ts).
    const groups = (list.groups ??= new Map());
    const group = groups.get(fieldName);
    if (group !== undefined) addPosition(group, scope.index);
    else {
      const folded: FoldedField = { head: list.base, tail: `.${fieldName}`, runs: [scope.index, scope.index] };
      groups.set(fieldName, folded);
      entry.fields.push(folded);
    }
    return cached.pre;
  }
  const expired = applyRetention(cached.pre, ctx.purpose!, new Date(cached.cutoff), new Date(scope.collectedAt));
  recordDecision(ctx, scope.customerId, typeName, category, expired, scope.root, scope.prefix + fieldName);
  return expired;
}

/**
 * The entry of a cached decision at the record's place, new or met before. Entries of cached
 * decisions are found through the decision itself, not by a composed key: it is the one
 * (customer, category, decision) they record. Retention denials go through recordDecision.
 */
function entryAtPlace(ctx: GatewayContext, cached: CachedDecision, scope: RecordScope, typeName: string, category: string): DecisionRecord {
  let entry: DecisionRecord | undefined;
  if (cached.entry !== undefined) {
    cached.byRoot ??= new Map([[cached.entry.recordPath, cached.entry]]);
    entry = cached.byRoot.get(scope.root);
  }
  if (entry === undefined) {
    const d = cached.pre;
    entry = { customerId: scope.customerId, typeName, recordPath: scope.root, fields: [], category, effect: d.effect, reason: d.reason, rule: d.rule };
    ctx.decisions.push(entry);
    cached.byRoot?.set(scope.root, entry);
  }
  return entry;
}

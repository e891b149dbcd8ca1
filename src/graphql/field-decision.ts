import { GatewayContext } from '../http/context';
import { DecisionRecord } from '../audit/decision-record';
import { applyRetention, decideBeforeRetention, Decision, purposeCovers, retentionCutoff } from '../policy/decide';
import { GatewayError } from '../errors';
import { RecordScope } from './record-scope';

/**
 * The decision for one tagged field of one record, and its access-log entry. Rules 1-6 and 8 do
 * not depend on the record: they are decided once per (customer, category) and cached on the
 * customer's decision array; rule 7 (retention) is one comparison of the record's collection
 * time against a cut-off computed once per category.
 */
export type CachedDecision = { pre: Decision; cutoff: number; entry?: DecisionRecord };
const NO_CUTOFF = -Infinity; // no retention limit: nothing is collected at or before it

/** Records the decision in the request's access-log entries, grouped per (customer place, category, decision). */
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

/** The decision for field `fieldName` of the record with this scope, recorded for the access log. */
export function decideField(ctx: GatewayContext, scope: RecordScope, typeName: string, fieldName: string, category: string, slot: number): Decision {
  const cached = (scope.decisions[slot] ??= decideForCustomer(ctx, scope.customerId, category, slot));
  const relative = scope.prefix + fieldName;
  if (scope.collectedAt > cached.cutoff) {
    // Fast path: the customer's entry for this decision, remembered on the cached decision.
    if (cached.entry && cached.entry.recordPath === scope.root) cached.entry.fields.push(relative);
    else cached.entry = recordDecision(ctx, scope.customerId, typeName, category, cached.pre, scope.root, relative);
    return cached.pre;
  }
  const expired = applyRetention(cached.pre, ctx.purpose!, new Date(cached.cutoff), new Date(scope.collectedAt));
  recordDecision(ctx, scope.customerId, typeName, category, expired, scope.root, relative);
  return expired;
}

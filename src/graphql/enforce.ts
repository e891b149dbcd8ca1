import { defaultFieldResolver, FieldNode, GraphQLResolveInfo, GraphQLSchema, isObjectType, responsePathAsArray } from 'graphql';
import { categoryOf } from './category.directive';
import { GatewayContext } from '../http/context';
import { decide, Decision, purposeCovers, retentionEnd } from '../policy/decide';
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
      const inner = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, ctx: GatewayContext, info) => {
        const decision = decideField(ctx, parent as FieldParent, category, info);
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

const pathOf = (info: GraphQLResolveInfo) => responsePathAsArray(info.path).join('.');

/**
 * Decides once per (record, category) and reuses the entry for the record's other fields of that
 * category: same purpose, customer state, category and record time give the same decision.
 * graphql-js shares one parent path object among a record's fields, so it keys the record.
 */
function decideField(ctx: GatewayContext, parent: FieldParent, category: string, info: GraphQLResolveInfo): Decision {
  const recordKey = info.path.prev ?? info.path;
  let perRecord = ctx.recordDecisions.get(recordKey);
  if (!perRecord) {
    perRecord = new Map();
    ctx.recordDecisions.set(recordKey, perRecord);
  }
  const known = perRecord.get(category);
  if (known) {
    known.fields.push(info.fieldName);
    return known as unknown as Decision;
  }
  const customerId = parent.customerId ?? parent.id;
  const purpose = ctx.purpose;
  let decision: Decision;
  if (purpose === null) {
    // The plan stage requires a purpose for every tagged field; reaching here without one is a bug: deny.
    decision = { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', rule: 'purpose.missing' };
  } else if (!purposeCovers(purpose, category)) {
    decision = decide({ pack: ctx.pack, purpose, category, state: null, recordCollectedAt: null, now: ctx.now });
  } else {
    const state = ctx.states.get(customerId);
    if (!state) throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Customer state was not loaded; refusing to decide');
    decision = decide({ pack: ctx.pack, purpose, category, state, recordCollectedAt: parent.collectedAt ?? null, now: ctx.now });
  }
  const entry = {
    customerId, typeName: info.parentType.name, recordPath: responsePathAsArray(recordKey).join('.'), fields: [info.fieldName],
    category, effect: decision.effect, reason: decision.reason, rule: decision.rule, mask: decision.mask,
  };
  perRecord.set(category, entry);
  ctx.decisions.push(entry);
  return entry as unknown as Decision;
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
 * when every category of its type that the purpose covers is past retention. The drop is logged.
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
  return rows.filter((row) => {
    const expired = covered.every((c) => {
      const end = retentionEnd(purpose, c, row.collectedAt);
      return end !== null && end <= ctx.now;
    });
    if (expired) {
      ctx.decisions.push({
        customerId: row.customerId, typeName, recordPath: `${pathOf(info)}[id=${row.id}]`, fields: [], category: covered[0],
        effect: 'DENY', reason: 'RETENTION_EXPIRED', rule: `purposes.${purpose.key}.retention`,
      });
    }
    return !expired;
  });
}

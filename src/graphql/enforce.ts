import { defaultFieldResolver, getNamedType, GraphQLSchema, isAbstractType, isObjectType } from 'graphql';
import { categoryOf } from './category.directive';
import { GatewayContext } from '../http/context';
import { mask } from '../policy/mask';
import { decideField } from './field-decision';
import { denyField } from './denial-error';
import { scopeOf, scopeRecords } from './record-scope';
import { categoriesByType } from './plan';

/**
 * The decide stage, wired into the schema. Two wrappers:
 *  - every field that returns records holding personal data (`customers`, `emails`,
 *    `loginEvents`...) scopes each record it returns (record-scope.ts) and leaves out nested
 *    records past retention;
 *  - every field tagged with a category lets its value leave only through the decision for its
 *    record (field-decision.ts): ALLOW returns it, MASK masks it, DENY returns null with a
 *    coded error (denial-error.ts) and the value is never read. Synchronous for plain fields (no promise per field).
 * Fails closed: a tagged field whose record was not scoped, a missing purpose or customer state
 * gives no value.
 */
export function enforceCategories(schema: GraphQLSchema): GraphQLSchema {
  const retentionCategories = categoriesByType(schema);
  const recordTypes = typesWithTaggedFields(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const inner = field.resolve ?? defaultFieldResolver;
      const returned = getNamedType(field.type);
      // Records reached through an interface or union would go unscoped: refuse to build.
      if (isAbstractType(returned) && schema.getPossibleTypes(returned).some((t) => recordTypes.has(t.name))) {
        throw new Error(`${type.name}.${field.name} returns records with personal data through an abstract type; the decision wrapper does not support that`);
      }
      if (recordTypes.has(returned.name)) {
        const typeName = returned.name;
        const typeCategories = retentionCategories.get(typeName) ?? [];
        field.resolve = (parent, args, ctx: GatewayContext, info) => {
          const value = inner(parent, args, ctx, info);
          return value instanceof Promise
            ? value.then((v) => scopeRecords(ctx, parent, v, typeName, typeCategories, info))
            : scopeRecords(ctx, parent, value, typeName, typeCategories, info);
        };
      }
      const category = categoryOf(field);
      if (!category) continue;
      const slot = categorySlot(category);
      const resolveValue = field.resolve ?? defaultFieldResolver;
      const typeName = type.name;
      const fieldName = field.name;
      field.resolve = (parent, args, ctx: GatewayContext, info) => {
        const scope = scopeOf(parent);
        if (scope === undefined) throw new Error(`${typeName}.${fieldName}: record has no decision scope`); // a wiring bug: no value
        const decision = decideField(ctx, scope, typeName, fieldName, category, slot);
        if (decision.effect === 'DENY') return denyField(ctx, decision, category, info);
        const value = resolveValue(parent, args, ctx, info);
        if (decision.effect === 'ALLOW') return value;
        const kind = decision.mask!;
        return value instanceof Promise ? value.then((v) => mask(kind, v)) : mask(kind, value);
      };
    }
  }
  return schema;
}

/** Object types with at least one tagged field: their records need a scope. */
function typesWithTaggedFields(schema: GraphQLSchema): Set<string> {
  const out = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && Object.values(type.getFields()).some((f) => categoryOf(f) !== null)) out.add(type.name);
  }
  return out;
}

/** Categories numbered once, at schema build: a customer's cached decisions are an array indexed by them. */
const slots = new Map<string, number>();
function categorySlot(category: string): number {
  let n = slots.get(category);
  if (n === undefined) slots.set(category, (n = slots.size));
  return n;
}

import { defaultFieldResolver, getNamedType, GraphQLObjectType, GraphQLSchema, isAbstractType, isLeafType, isObjectType } from 'graphql';
import { categoryOf, isSubjectKey } from './category.directive';
import { GatewayContext } from '../http/context';
import { mask } from '../policy/mask';
import { decideField, decideMetadata, SlottedCategory } from './field-decision';
import { denyField } from './denial-error';
import { ChildField, RecordTypeInfo, scopeOf, scopeRecords } from './record-scope';
import { categoriesByType } from './plan';

/**
 * The decide stage, wired into the schema. Three wrappers:
 *  - every field that returns records holding personal data (`customers`, `emails`,
 *    `loginEvents`...) scopes each record it returns (record-scope.ts) and leaves out nested
 *    records the purpose may see nothing of;
 *  - every field tagged with a category lets its value leave only through the decision for its
 *    record (field-decision.ts): ALLOW returns it, MASK masks it, DENY returns null with a
 *    coded error (denial-error.ts) and the value is never read. Synchronous for plain fields (no promise per field);
 *  - every untagged leaf of a record (id, source, collectedAt: the record's metadata) leaves only
 *    with a category of the record the purpose may see (decideMetadata), else it is denied.
 * Fails closed: a tagged field whose record was not scoped, a missing purpose or customer state
 * gives no value.
 */
export function enforceCategories(schema: GraphQLSchema): GraphQLSchema {
  const recordTypes = recordTypeInfos(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const own = recordTypes.get(type.name);
    for (const field of Object.values(type.getFields())) {
      const inner = field.resolve ?? defaultFieldResolver;
      const returned = getNamedType(field.type);
      // Records reached through an interface or union would go unscoped: refuse to build.
      if (isAbstractType(returned) && schema.getPossibleTypes(returned).some((t) => recordTypes.has(t.name))) {
        throw new Error(`${type.name}.${field.name} returns records with personal data through an abstract type; the decision wrapper does not support that`);
      }
      const child = recordTypes.get(returned.name);
      if (child) {
        field.resolve = (parent, args, ctx: GatewayContext, info) => {
          const value = inner(parent, args, ctx, info);
          return value instanceof Promise
            ? value.then((v) => scopeRecords(ctx, parent, v, child, info))
            : scopeRecords(ctx, parent, value, child, info);
        };
        continue;
      }
      const typeName = type.name;
      const fieldName = field.name;
      const resolveValue = field.resolve ?? defaultFieldResolver;
      const category = categoryOf(field);
      if (!category) {
        // An untagged leaf of a record is its metadata (id, source, collection time): personal
        // data of the record, released with its categories. Only the subject's key is exempt.
        if (!own || !isLeafType(returned) || isSubjectKey(field)) continue;
        field.resolve = (parent, args, ctx: GatewayContext, info) => {
          const scope = scopeOf(parent);
          if (scope === undefined) throw new Error(`${typeName}.${fieldName}: record has no decision scope`); // a wiring bug: no value
          const { decision, category: by } = decideMetadata(ctx, scope, typeName, fieldName, own.categories);
          return decision.effect === 'DENY' ? denyField(ctx, decision, by, info) : resolveValue(parent, args, ctx, info);
        };
        continue;
      }
      const slot = categorySlot(category);
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

/**
 * Object types with at least one tagged leaf are record types: their records need a scope. For
 * each, its categories (with slots) and its fields returning child records, each with every
 * category below it and its own resolver (taken before the wrapping below replaces it).
 */
function recordTypeInfos(schema: GraphQLSchema): Map<string, RecordTypeInfo> {
  const own = new Map<string, SlottedCategory[]>();
  for (const [typeName, categories] of categoriesByType(schema)) own.set(typeName, categories.map((category) => ({ category, slot: categorySlot(category) })));
  const below = (typeName: string, seen: Set<string>): SlottedCategory[] => {
    if (seen.has(typeName)) return [];
    seen.add(typeName);
    const out = [...(own.get(typeName) ?? [])];
    const type = schema.getType(typeName);
    if (isObjectType(type)) for (const f of Object.values(type.getFields())) out.push(...below(getNamedType(f.type).name, seen));
    return out;
  };
  const infos = new Map<string, RecordTypeInfo & { children: Map<string, ChildField> }>();
  for (const [typeName, categories] of own) infos.set(typeName, { typeName, categories, children: new Map() });
  for (const [typeName, info] of infos) {
    for (const f of Object.values((schema.getType(typeName) as GraphQLObjectType).getFields())) {
      const child = infos.get(getNamedType(f.type).name);
      if (child) info.children.set(f.name, { type: child, below: below(child.typeName, new Set([typeName])), load: f.resolve ?? defaultFieldResolver });
    }
  }
  return infos;
}

/** Categories numbered once, at schema build: a customer's cached decisions are an array indexed by them. */
const slots = new Map<string, number>();
function categorySlot(category: string): number {
  let n = slots.get(category);
  if (n === undefined) slots.set(category, (n = slots.size));
  return n;
}

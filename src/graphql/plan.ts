import { DocumentNode, getNamedType, GraphQLSchema, isLeafType, isObjectType, OperationDefinitionNode, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { categoryOf, isSubjectKey } from './category.directive';
import { purposeCovers } from '../policy/decide';
import { Purpose } from '../policy/pack.types';

/**
 * The plan stage: before any resolver runs, which data categories does this operation ask for,
 * and which of them can the declared purpose never see? Subject-independent, so denials found
 * here cost no customer-state read.
 */
export interface OperationPlan {
  /** Categories of every tagged field the operation selects. */
  readonly categories: ReadonlySet<string>;
  /** Those the purpose never covers: denied as CATEGORY_NOT_IN_PURPOSE without reading state. */
  readonly deniedByPurpose: ReadonlySet<string>;
  /** True when some requested category may be allowed: customer state must be loaded. */
  readonly needsState: boolean;
}

/** Root fields that read customer data even when no tagged field is selected under them. */
export const PERSONAL_ROOT_FIELDS = new Set(['customer', 'customers']);

/**
 * Apollo keeps parsed documents (its document store), so a service sending the same query gets
 * the same operation node every time: the walk is done once per operation, not per request.
 */
const requested = new WeakMap<GraphQLSchema, WeakMap<OperationDefinitionNode, { categories: ReadonlySet<string>; personalRoot: boolean }>>();

export function requestedCategories(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): { categories: ReadonlySet<string>; personalRoot: boolean } {
  let bySchema = requested.get(schema);
  if (!bySchema) requested.set(schema, (bySchema = new WeakMap()));
  let found = bySchema.get(operation);
  if (!found) bySchema.set(operation, (found = walkOperation(schema, document, operation)));
  return found;
}

function walkOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): { categories: Set<string>; personalRoot: boolean } {
  const categories = new Set<string>();
  let personalRoot = false;
  const byType = categoriesOfTypes(schema);
  const typeInfo = new TypeInfo(schema);
  // Walk the operation and every fragment it may spread (over-approximates, never under).
  const nodes = [operation, ...document.definitions.filter((d) => d.kind === 'FragmentDefinition')];
  for (const node of nodes) {
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field() {
          const parent = typeInfo.getParentType();
          const def = typeInfo.getFieldDef();
          if (!parent || !def) return;
          if (parent === schema.getQueryType() && PERSONAL_ROOT_FIELDS.has(def.name)) personalRoot = true;
          const c = categoryOf(def);
          if (c) categories.add(c);
          // Nested records are shown, left out or denied by their categories' decisions, and a
          // record's metadata follows them: both need those decisions even when no tagged field
          // is selected. (A root customer is always returned: its categories count only through
          // its fields.)
          const returned = getNamedType(def.type);
          if (parent !== schema.getQueryType()) for (const rc of byType.get(returned.name) ?? []) categories.add(rc);
          if (!c && isLeafType(returned) && !isSubjectKey(def)) for (const rc of byType.get(parent.name) ?? []) categories.add(rc);
        },
      }),
    );
  }
  return { categories, personalRoot };
}

export function planFor(categories: ReadonlySet<string>, purpose: Purpose): OperationPlan {
  const denied = new Set([...categories].filter((c) => !purposeCovers(purpose, c)));
  return { categories, deniedByPurpose: denied, needsState: denied.size < categories.size };
}

const typeCategories = new WeakMap<GraphQLSchema, Map<string, string[]>>();
function categoriesOfTypes(schema: GraphQLSchema): Map<string, string[]> {
  let m = typeCategories.get(schema);
  if (!m) typeCategories.set(schema, (m = categoriesByType(schema)));
  return m;
}

/** type name -> categories of its tagged leaves, in field order: a record type's categories. */
export function categoriesByType(schema: GraphQLSchema): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const cats = new Set<string>();
    for (const f of Object.values(type.getFields())) {
      const c = categoryOf(f);
      if (c && !isObjectType(getNamedType(f.type))) cats.add(c);
    }
    if (cats.size) out.set(type.name, [...cats]);
  }
  return out;
}

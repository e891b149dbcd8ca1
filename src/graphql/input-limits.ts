import { ApolloServerPlugin } from '@apollo/server';
import {
  ArgumentNode, DirectiveLocation, DocumentNode, FragmentDefinitionNode, getNamedType, GraphQLArgument, GraphQLDirective, GraphQLInputField,
  GraphQLInputType, GraphQLInt, GraphQLNonNull, GraphQLSchema, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, Kind,
  OperationDefinitionNode, SelectionSetNode, TypeInfo, valueFromASTUntyped, ValueNode, visit, visitWithTypeInfo,
} from 'graphql';
import { Directive } from 'type-graphql';
import { GatewayError } from '../errors';

/**
 * Input limits: the most any argument value may hold, checked for the whole operation, literals
 * and variables, before any resolver runs (a refused operation writes nothing, even in a mutation
 * with several root fields). This file is the one place that states them; README "The request
 * contract" has the table.
 *
 *  - every string an argument holds (String, ID, enums, DateTimeISO; in nested input objects and
 *    lists too) is at most its position's maximum: the one declared on the argument or input
 *    field with `@MaxLength` (shown in schema.graphql as `@maxLength(characters: n)`), else the
 *    default of its type below (characters are UTF-16 code units, `string.length`);
 *  - no string holds U+0000 or an unpaired surrogate: PostgreSQL cannot store either (a text
 *    column refuses NUL, jsonb both), so they are refused here rather than failing as a store error;
 *  - a JSON value (`JSONObject`) nests at most `json.maxDepth` objects and arrays and is at most
 *    `json.maxBytes` as JSON text (UTF-8). Depth is measured without recursion, so an object
 *    nested 20,000 deep is refused before anything serializes it.
 *
 * Past a limit: 400 BAD_USER_INPUT naming the field, the argument's path and the limit, never
 * the value (`Argument "reason" of "recordObjection" is longer than 2000 characters`).
 */
export const INPUT_LIMITS = {
  /** ID arguments: customer ids (CUSTOMER_ID allows 64 characters), request, record and correction ids (at most 18 digits). */
  id: 64,
  /** Any other string: purpose keys, categories, field names, sources, cursors, access-log filters, enum values, date-times. */
  string: 128,
  /** Free text kept on record: an objection's or restriction's reason, a request's outcome or refusal reason. */
  freeText: 2000,
  /** A corrected value (a name, an address line, an account number), kept until the correction is resolved. */
  correctedValue: 500,
  /** JSON arguments (the `details` of a rights request). */
  json: { maxBytes: 16_384, maxDepth: 8 },
} as const;

/** Scalars whose values are JSON, measured by depth and size rather than length. */
const JSON_SCALARS = new Set(['JSON', 'JSONObject']);

export const maxLengthDirective = new GraphQLDirective({
  name: 'maxLength',
  description: `The most characters a string of this argument or input field may have. Without it an ID has at most ${INPUT_LIMITS.id} characters and any other string ${INPUT_LIMITS.string}; a JSON value nests at most ${INPUT_LIMITS.json.maxDepth} levels of objects and arrays and is at most ${INPUT_LIMITS.json.maxBytes} bytes as JSON text. No string may hold U+0000 or an unpaired surrogate. Past a limit: 400 BAD_USER_INPUT (src/graphql/input-limits.ts).`,
  locations: [DirectiveLocation.ARGUMENT_DEFINITION, DirectiveLocation.INPUT_FIELD_DEFINITION],
  args: { characters: { type: new GraphQLNonNull(GraphQLInt) } },
});

/** Decorator: a maximum other than its type's default, on a type-graphql @Arg parameter or input field. */
export function MaxLength(characters: number): ParameterDecorator & PropertyDecorator {
  if (!Number.isInteger(characters) || characters < 1) throw new Error(`@MaxLength(${characters}) must be a positive integer`);
  return Directive(`@maxLength(characters: ${characters})`) as ParameterDecorator & PropertyDecorator;
}

/** The maximum declared on an argument or input field with @MaxLength, or null. */
export function declaredMaxLength(def: GraphQLArgument | GraphQLInputField): number | null {
  const d = def.astNode?.directives?.find((x) => x.name.value === 'maxLength');
  const arg = d?.arguments?.find((a) => a.name.value === 'characters');
  return arg && arg.value.kind === Kind.INT ? Number(arg.value.value) : null;
}

/** The maximum length of a string at a position of this type, declared or by default. */
export function maxLengthOf(def: GraphQLArgument | GraphQLInputField): number {
  return declaredMaxLength(def) ?? (getNamedType(def.type).name === 'ID' ? INPUT_LIMITS.id : INPUT_LIMITS.string);
}

/** U+0000, or a surrogate not part of a pair. */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where a value sits, for the message: the root field and the path in its argument (`input.source`, `ids[3]`). */
interface Where {
  field: string;
  path: string;
  node: ArgumentNode;
}

function refuse(where: Where, why: string, extra: Record<string, unknown>): never {
  throw new GatewayError('BAD_USER_INPUT', `Argument "${where.path}" of "${where.field}" ${why}`, { field: where.field, argument: where.path, ...extra }, { nodes: where.node });
}

function checkString(value: string, max: number, where: Where): void {
  if (value.length > max) refuse(where, `is longer than ${max} characters`, { maxLength: max });
  if (UNSTORABLE.test(value)) refuse(where, 'contains U+0000 or an unpaired surrogate, which cannot be stored', {});
}

/**
 * Checks a JSON value: depth (objects and arrays; `{}` is 1), strings and keys storable, and
 * its size as JSON text. Iterative, and stops at the first container past the depth, so it is
 * safe on any value JSON.parse can produce; only then is the value serialized.
 */
export function jsonProblem(value: unknown, limits: { maxBytes: number; maxDepth: number } = INPUT_LIMITS.json): { why: string; extra: Record<string, unknown> } | null {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) return { why: 'contains U+0000 or an unpaired surrogate, which cannot be stored', extra: {} };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.maxDepth) return { why: `is nested deeper than ${limits.maxDepth} levels`, extra: { maxDepth: limits.maxDepth } };
    if (Array.isArray(v)) {
      for (const item of v) stack.push([item, depth + 1]);
    } else {
      for (const [k, item] of Object.entries(v)) {
        if (UNSTORABLE.test(k)) return { why: 'contains U+0000 or an unpaired surrogate, which cannot be stored', extra: {} };
        stack.push([item, depth + 1]);
      }
    }
  }
  const text = JSON.stringify(value);
  if (text !== undefined && Buffer.byteLength(text, 'utf8') > limits.maxBytes) return { why: `is larger than ${limits.maxBytes} bytes as JSON`, extra: { maxBytes: limits.maxBytes } };
  return null;
}

/**
 * Walks one argument value against its type: a literal (with the variables it names) or a
 * variable's raw value from the request. Variables are looked up where they are used, so the
 * limit is that of the position (the variable's declared type has no maximum of its own).
 */
class Walker {
  /** The request's variables, with the operation's defaults for those it does not give. */
  constructor(private readonly variables: Readonly<Record<string, unknown>>) {}

  literal(node: ValueNode, type: GraphQLInputType, max: number, where: Where): void {
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (Object.prototype.hasOwnProperty.call(this.variables, name)) this.raw(this.variables[name], type, max, where);
      return;
    }
    if (isNonNullType(type)) return this.literal(node, type.ofType, max, where);
    if (isListType(type)) {
      if (node.kind === Kind.LIST) node.values.forEach((item, i) => this.literal(item, type.ofType, max, { ...where, path: `${where.path}[${i}]` }));
      else this.literal(node, type.ofType, max, where);
      return;
    }
    if (isInputObjectType(type)) {
      if (node.kind !== Kind.OBJECT) return;
      const fields = type.getFields();
      for (const f of node.fields) {
        const def = fields[f.name.value];
        if (def) this.literal(f.value, def.type, maxLengthOf(def), { ...where, path: `${where.path}.${def.name}` });
      }
      return;
    }
    if (isScalarType(type) && JSON_SCALARS.has(type.name)) return this.json(valueFromASTUntyped(node, this.variables as Record<string, unknown>), where);
    if (node.kind === Kind.STRING) checkString(node.value, max, where);
  }

  raw(value: unknown, type: GraphQLInputType, max: number, where: Where): void {
    if (value === null || value === undefined) return;
    if (isNonNullType(type)) return this.raw(value, type.ofType, max, where);
    if (isListType(type)) {
      if (Array.isArray(value)) value.forEach((item, i) => this.raw(item, type.ofType, max, { ...where, path: `${where.path}[${i}]` }));
      else this.raw(value, type.ofType, max, where);
      return;
    }
    if (isInputObjectType(type)) {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      const fields = type.getFields();
      for (const [k, v] of Object.entries(value)) {
        const def = Object.prototype.hasOwnProperty.call(fields, k) ? fields[k] : undefined;
        if (def) this.raw(v, def.type, maxLengthOf(def), { ...where, path: `${where.path}.${def.name}` });
      }
      return;
    }
    if (isScalarType(type) && JSON_SCALARS.has(type.name)) return this.json(value, where);
    if (typeof value === 'string' && (isScalarType(type) || isEnumType(type))) checkString(value, max, where);
  }

  private json(value: unknown, where: Where): void {
    const problem = jsonProblem(value);
    if (problem) refuse(where, problem.why, problem.extra);
  }
}

/** The fragments the operation spreads, directly or through other fragments. */
function reachableFragments(document: DocumentNode, operation: OperationDefinitionNode): FragmentDefinitionNode[] {
  const all = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) all.set(d.name.value, d);
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: SelectionSetNode[] = [operation.selectionSet];
  while (pending.length) {
    for (const sel of pending.pop()!.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = all.get(sel.name.value);
        if (f && !found.has(f.name.value)) {
          found.set(f.name.value, f);
          pending.push(f.selectionSet);
        }
      } else if (sel.selectionSet) {
        pending.push(sel.selectionSet);
      }
    }
  }
  return [...found.values()];
}

/**
 * Checks every argument of the operation (root fields, nested fields, through fragments) against
 * the input limits; throws 400 BAD_USER_INPUT at the first value past one. Call it after
 * validation, before execution (variables are then as the client sent them, not yet coerced).
 */
export function checkInputLimits(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined): void {
  const values: Record<string, unknown> = Object.create(null); // a variable named __proto__ is a variable
  for (const v of operation.variableDefinitions ?? []) if (v.defaultValue) values[v.variable.name.value] = valueFromASTUntyped(v.defaultValue);
  for (const [k, v] of Object.entries(variables ?? {})) values[k] = v;
  const walker = new Walker(values);
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Argument(node) {
      const def = typeInfo.getArgument();
      const parent = typeInfo.getDirective()?.name ?? typeInfo.getFieldDef()?.name;
      if (def && parent) walker.literal(node.value, def.type, maxLengthOf(def), { field: parent, path: def.name, node });
      return false;
    },
  });
  for (const definition of [operation, ...reachableFragments(document, operation)]) visit(definition, visitor);
}

/** The Apollo plugin that applies the input limits to every operation, before any resolver runs. */
export function inputLimitsPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (rc.operation) checkInputLimits(rc.schema, rc.document, rc.operation, rc.request.variables);
        },
      };
    },
  };
}

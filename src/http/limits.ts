import {
  ArgumentNode, ASTNode, ASTVisitor, getNamedType, GraphQLError, GraphQLFormattedError, GraphQLNamedType, isInterfaceType, isObjectType,
  Kind, OperationDefinitionNode, SelectionSetNode, ValidationContext, ValidationRule,
} from 'graphql';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GatewayError } from '../errors';
import { log } from '../log';

/**
 * Query limits: what one GraphQL document may ask for before any resolver runs.
 *
 *  - length (characters of the `query` string), checked at the HTTP edge before parsing;
 *  - tokens, checked by the parser itself (graphql-js `maxTokens`), so a huge document is never
 *    turned into an AST;
 *  - depth, aliases and directives (graphql-armor's validation rules), and cost (ours, below),
 *    checked during validation, with the schema's own rules.
 *
 * A refused document gets 400 GRAPHQL_VALIDATION_FAILED with one fixed message, `Query is too
 * complex` (413 PAYLOAD_TOO_LARGE `The query is too large` for the length): never which limit,
 * its value or what was found, and no location. The server log says which limit refused it.
 */
export interface QueryLimits {
  /** Characters of the GraphQL document (`query`), POST or GET. */
  maxLength: number;
  /** Lexical tokens of the document. */
  maxTokens: number;
  /** Nesting of fields, inline fragments and fragment spreads (graphql-armor's count). */
  maxDepth: number;
  /**
   * Aliased fields, every one counted: graphql-armor by default exempts `__typename` (a field named
   * so or an alias named so, which would let `__typename: customer(...)` through uncounted);
   * `allowList: []` below turns that off.
   */
  maxAliases: number;
  /** Directives used in the operation. */
  maxDirectives: number;
  /** Estimated work, see `estimateCost`. */
  maxCost: number;
}

export const QUERY_TOO_COMPLEX = 'Query is too complex';
export const QUERY_TOO_LARGE = 'The query is too large';

/**
 * Arguments that say how many items a field returns, and the most each can ask for: `ids` of
 * `customers` (GATEWAY_MAX_BATCH), `first` of `accessLog` (500), `limit` of the minors
 * operations (1000). Keep in step with the resolvers' own bounds.
 */
export function listSizeArguments(maxBatch: number): Record<string, number> {
  return { ids: maxBatch, first: 500, limit: 1000 };
}

/**
 * The estimated work of one operation: every selected field costs 1, and the fields under a field
 * with a list-size argument (above) cost that many times: `customers(ids: [100 ids])` with every
 * field is 11,201. The size is the literal (a list's length, an integer), else the argument's
 * default, else (a variable) the most it can ask for. Fragments are counted where they are spread;
 * a fragment cycle (already a validation error) counts 0. Introspection fields (`__schema`,
 * `__type`, `__typename`) count 0: introspection is off in production.
 */
export function estimateCost(context: ValidationContext, operation: OperationDefinitionNode, sizes: Record<string, number>): number {
  const schema = context.getSchema();
  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const fragmentCost = new Map<string, number>();
  const visiting = new Set<string>();

  const sizeOf = (args: readonly ArgumentNode[] | undefined, defs: readonly { name: string; defaultValue?: unknown }[]): number => {
    let size = 1;
    for (const def of defs) {
      const cap = sizes[def.name];
      if (cap === undefined) continue;
      const arg = args?.find((a) => a.name.value === def.name);
      let n: number;
      if (!arg) n = typeof def.defaultValue === 'number' ? def.defaultValue : 1;
      else if (arg.value.kind === Kind.LIST) n = arg.value.values.length;
      else if (arg.value.kind === Kind.INT) n = Number(arg.value.value);
      else n = cap;
      size = Math.max(size, Math.min(Math.max(n, 1), cap));
    }
    return size;
  };

  const costOf = (set: SelectionSetNode, parent: GraphQLNamedType | null | undefined): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        const def = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[sel.name.value] : undefined;
        cost += 1;
        if (sel.selectionSet) cost += sizeOf(sel.arguments, def?.args ?? []) * costOf(sel.selectionSet, def ? getNamedType(def.type) : null);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        cost += costOf(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent);
      } else {
        const name = sel.name.value;
        let c = fragmentCost.get(name);
        if (c === undefined) {
          const fragment = context.getFragment(name);
          if (!fragment || visiting.has(name)) continue;
          visiting.add(name);
          c = costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
          visiting.delete(name);
          fragmentCost.set(name, c);
        }
        cost += c;
      }
    }
    return cost;
  };
  return costOf(operation.selectionSet, root);
}

/** Reports one generic error per document, however many limits it exceeds; logs which. */
function refuse(context: ValidationContext | null, limit: string, detail: string): void {
  log.warn('query refused by a limit', { limit, detail });
  if (!context || reported.has(context)) return;
  reported.add(context);
  context.reportError(new GraphQLError(QUERY_TOO_COMPLEX));
}
const reported = new WeakSet<ValidationContext>();

function costLimitRule(maxCost: number, sizes: Record<string, number>): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(operation) {
      const cost = estimateCost(context, operation, sizes);
      if (cost > maxCost) refuse(context, 'cost', `${cost} > ${maxCost}`);
    },
  });
}

/**
 * An operation type the schema has no root for (`subscription`: the gateway has none) is refused
 * in validation, as graphql-js 17 does; graphql 16 lets it through to execution, which fails
 * with an uncoded error (a 200 "Internal error").
 */
const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(operation) {
    const schema = context.getSchema();
    const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[operation.operation];
    if (!root) context.reportError(new GraphQLError(`The schema does not support ${operation.operation} operations.`, { nodes: operation }));
  },
});

/**
 * The gateway's validation rules, added by Apollo to graphql's specified rules: depth, aliases,
 * directives and cost limits, and known operation types.
 */
export function gatewayValidationRules(limits: QueryLimits, maxBatch: number): ValidationRule[] {
  // exposeLimits stays on for the log line only: the client gets QUERY_TOO_COMPLEX from `refuse`.
  const armor = (limit: string) => ({ exposeLimits: true, propagateOnRejection: false, onReject: [(ctx: ValidationContext | null, e: GraphQLError) => refuse(ctx, limit, e.message)] });
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: false, ...armor('depth') }),
    maxAliasesRule({ n: limits.maxAliases, allowList: [], ...armor('aliases') }),
    maxDirectivesRule({ n: limits.maxDirectives, ...armor('directives') }),
    costLimitRule(limits.maxCost, listSizeArguments(maxBatch)),
    knownOperationTypesRule,
  ] as ValidationRule[];
}

/** The document-length check of the HTTP edge (GET `query` parameter or POST `query` member). */
export function checkQueryLength(query: unknown, limits: QueryLimits): void {
  if (typeof query === 'string' && query.length > limits.maxLength) {
    log.warn('query refused by a limit', { limit: 'length', detail: `${query.length} > ${limits.maxLength}` });
    throw new GatewayError('PAYLOAD_TOO_LARGE', QUERY_TOO_LARGE);
  }
}

const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] \d+ tokens\. Parsing aborted\.$/;
const SUGGESTION = / ?Did you mean [^?]*\?/g;
const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const VARIABLE_VALUE = new RegExp(`^Variable "\\$(${NAME})" got invalid value `);
const EXPECTED_TYPE = /^Expected value of type "[^"]+"/;
/** Literal values; errors on objects and lists name fields (`Field "X.y" of required type ...`), not values. */
const LITERALS = new Set<string>([Kind.STRING, Kind.INT, Kind.FLOAT, Kind.BOOLEAN, Kind.ENUM, Kind.NULL]);
/**
 * ...except a list or object where a scalar is expected (`reason: ["..."]`, a list for a
 * JSONObject): the scalar's message prints the whole literal, so it is rewritten as a literal's.
 */
const NAMES_FIELDS = /^(Field|OneOf Input Object) "/;
const isValueLiteral = (node: ASTNode, message: string) => LITERALS.has(node.kind) || ((node.kind === Kind.LIST || node.kind === Kind.OBJECT) && !NAMES_FIELDS.test(message));

/**
 * The last rewrite of an error before it reaches a client (called from formatError, with the
 * original error when there is one):
 *  - the parser's token-limit error becomes QUERY_TOO_COMPLEX, as the other limits, without
 *    the count or a location;
 *  - a value the client sent is not repeated (it may be personal data, and error messages end up
 *    in client logs): `Variable "$f" got invalid value "..." at "f.from"; <why, with the value>`
 *    becomes `Variable "$f" got an invalid value at "f.from"`, and an invalid literal argument
 *    (`from: "..."`) becomes `Expected value of type "DateTimeISO"` or `Invalid value`, located;
 *  - "Did you mean ...?" suggestions are removed from every message (Apollo's
 *    hideSchemaDetailsFromClientErrors covers validation errors only).
 */
export function clientSafe(formatted: GraphQLFormattedError, original?: unknown): GraphQLFormattedError {
  const message = formatted.message;
  if (TOKEN_LIMIT.test(message)) {
    log.warn('query refused by a limit', { limit: 'tokens', detail: message.replace(/^Syntax Error: /, '') });
    return { message: QUERY_TOO_COMPLEX, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } };
  }
  const variable = VARIABLE_VALUE.exec(message);
  if (variable) {
    const at = new RegExp(` at "(${variable[1]}(?:\\.${NAME}|\\[\\d+\\])*)"; `).exec(message);
    return { ...formatted, message: `Variable "$${variable[1]}" got an invalid value${at ? ` at "${at[1]}"` : ''}` };
  }
  const nodes = (original as { nodes?: readonly ASTNode[] } | undefined)?.nodes;
  if (formatted.extensions?.code === 'GRAPHQL_VALIDATION_FAILED' && nodes?.length === 1 && isValueLiteral(nodes[0], message)) {
    return { ...formatted, message: EXPECTED_TYPE.exec(message)?.[0] ?? 'Invalid value' };
  }
  if (!message.includes('Did you mean')) return formatted;
  return { ...formatted, message: message.replace(SUGGESTION, '') };
}

import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import {
  astFromValue, buildSchema, getNamedType, GraphQLArgument, GraphQLField, GraphQLInputType, GraphQLObjectType, isCompositeType, isEnumType,
  isInputObjectType, isListType, isNonNullType, print,
} from 'graphql';
import { outcome } from '../support/hostile-input';
import { env, ID, useHostileInputGateway } from '../support/hostile-input-gateway';

/**
 * Input limits (issue 16, point 1) through HTTP: every String, ID, date-time and JSON argument of
 * every mutation and query, found by walking the published schema (schema.graphql), gets a value
 * one past its documented maximum and one of 900 KB, as a variable and as a literal: each is
 * 400 BAD_USER_INPUT naming the argument and the limit, no store is read and no row is written in
 * any of the three databases. A value at exactly the maximum is accepted and stored. JSON details
 * nested 20,000 deep (the probe that answered INTERNAL_SERVER_ERROR) and strings PostgreSQL cannot
 * store are refused the same way.
 *
 * The limits below are the README's table ("The request contract"), written here on their own:
 * the test does not read them from src/graphql/input-limits.ts.
 */
useHostileInputGateway();

const DOCUMENTED = { id: 64, string: 128, json: { depth: 8, bytes: 16_384 } };
/** Arguments with their own maximum: free text kept on record, and a corrected value. */
const DECLARED: Record<string, number> = {
  'completeRightsRequest.outcome': 2000, 'refuseRightsRequest.reason': 2000, 'recordObjection.reason': 2000, 'restrictProcessing.reason': 2000,
  'requestRectification.correctedValue': 500,
};
const CHECKED_TYPES = new Set(['String', 'ID', 'DateTimeISO', 'JSONObject']);

/** The published contract; test/unit/schema.test.ts checks it is the code's schema. */
const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, '../../schema.graphql'), 'utf8'));

interface Target {
  op: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  arg: GraphQLArgument;
  /** Path in the argument's value: input-object field names and list positions (0). */
  steps: (string | 0)[];
  /** As the error names it: `reason`, `input.source`, `ids[0]`. */
  name: string;
  scalar: string;
}

function targets(op: 'query' | 'mutation', root: GraphQLObjectType): Target[] {
  const out: Target[] = [];
  const walk = (field: GraphQLField<unknown, unknown>, arg: GraphQLArgument, type: GraphQLInputType, steps: (string | 0)[], name: string): void => {
    if (isNonNullType(type)) return walk(field, arg, type.ofType, steps, name);
    if (isListType(type)) return walk(field, arg, type.ofType, [...steps, 0], `${name}[0]`);
    if (isInputObjectType(type)) {
      for (const f of Object.values(type.getFields())) walk(field, arg, f.type, [...steps, f.name], `${name}.${f.name}`);
      return;
    }
    if (CHECKED_TYPES.has(getNamedType(type).name)) out.push({ op, field, arg, steps, name, scalar: getNamedType(type).name });
  };
  for (const field of Object.values(root.getFields())) for (const arg of field.args) walk(field, arg, arg.type, [], arg.name);
  return out;
}
const MUTATION_TARGETS = targets('mutation', schema.getMutationType()!);
const QUERY_TARGETS = targets('query', schema.getQueryType()!);
const ALL = [...MUTATION_TARGETS, ...QUERY_TARGETS];
const label = (t: Target) => `${t.field.name}(${t.name}: ${t.scalar})`;

const maxOf = (t: Target) => DECLARED[`${t.field.name}.${t.name}`] ?? (t.scalar === 'ID' ? DOCUMENTED.id : DOCUMENTED.string);

/** Valid values for the arguments not under test. */
const VALID: Record<string, unknown> = {
  customerId: ID, purpose: 'marketing', category: 'contact.email', field: 'firstName', source: 'signup_form', reason: 'Asked by phone',
  outcome: 'Done', correctedValue: 'Somsak', kind: 'access',
};
function valid(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return valid(type.ofType, name);
  if (isListType(type)) return [valid(type.ofType, name)];
  if (isInputObjectType(type)) {
    return Object.fromEntries(Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => [f.name, valid(f.type, f.name)]));
  }
  if (name in VALID) return VALID[name];
  if (isEnumType(type)) return type.getValues()[0].value;
  return { ID: '1', String: 'x', DateTimeISO: new Date(Date.now() - 86_400_000).toISOString(), JSONObject: {}, Int: 1, Boolean: false }[getNamedType(type).name];
}

function withLeaf(value: unknown, steps: (string | 0)[], leaf: unknown): unknown {
  if (!steps.length) return leaf;
  const [step, ...rest] = steps;
  if (step === 0) return [withLeaf((value as unknown[] | undefined)?.[0], rest, leaf)];
  return { ...(value as Record<string, unknown> | undefined), [step]: withLeaf((value as Record<string, unknown> | undefined)?.[step], rest, leaf) };
}

/** The operation for a target: every required argument with a valid value, the target's with `leaf` at its path. */
function operation(t: Target, leaf: unknown, as: 'variables' | 'literal'): { query: string; variables?: Record<string, unknown>; column: number } {
  const args = t.field.args.filter((a) => a === t.arg || (isNonNullType(a.type) && a.defaultValue === undefined));
  const values = Object.fromEntries(args.map((a) => [a.name, a === t.arg ? withLeaf(valid(a.type, a.name), t.steps, leaf) : valid(a.type, a.name)]));
  const selection = isCompositeType(getNamedType(t.field.type)) ? ' { __typename }' : '';
  const call = as === 'variables'
    ? `${t.field.name}(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})`
    : `${t.field.name}(${args.map((a) => `${a.name}: ${print(astFromValue(values[a.name], a.type)!)}`).join(', ')})`;
  const head = as === 'variables' ? `${t.op}(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')}) { ` : `${t.op} { `;
  const query = `${head}${call}${selection} }`;
  const column = head.length + new RegExp(`[(, ]${t.arg.name}: `).exec(call)!.index + 2;
  return { query, ...(as === 'variables' ? { variables: values } : {}), column };
}

/**
 * Values nested deeper than JSON.stringify can go (in this process too): a placeholder string in
 * the variables, replaced by the JSON text when the body is written.
 */
const DEEP_OBJECT = 'deep object, 20,000 levels';
const DEEP_LIST = 'deep list, 20,000 levels';
const DEEP_TEXT: Record<string, string> = {
  [DEEP_OBJECT]: `${'{"a":'.repeat(20_000)}"leaf"${'}'.repeat(20_000)}`,
  [DEEP_LIST]: `${'['.repeat(20_000)}"leaf"${']'.repeat(20_000)}`,
};

const send = (body: { query: string; variables?: Record<string, unknown>; extensions?: unknown }) => {
  let text = JSON.stringify(body);
  for (const [placeholder, json] of Object.entries(DEEP_TEXT)) text = text.split(JSON.stringify(placeholder)).join(json);
  return request(env.gw.gateway.server).post('/graphql').set({ 'content-type': 'application/json', authorization: `Bearer ${env.dpo}` }).send(text);
};

const refusal = (t: Target, column: number, why: string, extensions: Record<string, unknown>) => ({
  status: 400, sql: '0',
  body: { errors: [{ message: `Argument "${t.name}" of "${t.field.name}" ${why}`, locations: [{ line: 1, column }], extensions: { code: 'BAD_USER_INPUT', field: t.field.name, argument: t.name, ...extensions } }] },
});

/** Rows of every table of the three databases, to show a refusal wrote nothing anywhere. */
let countRows: () => Promise<Record<string, number>>;
beforeAll(async () => {
  const stores = { gateway: env.gw.stores.gateway, crm: env.gw.stores.crm, billing: env.gw.stores.billing };
  const tables: Record<string, string[]> = {};
  for (const [db, ds] of Object.entries(stores)) {
    const rows: { t: string }[] = await ds.query(`SELECT format('%I.%I', table_schema, table_name) AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema = 'public' ORDER BY 1`);
    tables[db] = rows.map((r) => r.t);
  }
  countRows = async () => {
    const out: Record<string, number> = {};
    for (const [db, ds] of Object.entries(stores)) {
      const rows: { t: string; n: string }[] = await ds.query(tables[db].map((t) => `SELECT '${t}' AS t, count(*)::text AS n FROM ${t}`).join(' UNION ALL '));
      for (const r of rows) out[`${db}.${r.t}`] = Number(r.n);
    }
    return out;
  };
});

/** Runs `fn` and asserts that no row of any table changed meanwhile. */
async function writesNothing(fn: () => Promise<void>): Promise<void> {
  const before = await countRows();
  await fn();
  expect(await countRows()).toEqual(before);
}

describe('the walk covers every string, id, date-time and JSON argument', () => {
  test('found in the published schema', () => {
    expect(MUTATION_TARGETS.map(label)).toEqual([
      'completeRightsRequest(id: ID)', 'completeRightsRequest(outcome: String)',
      'eraseCustomer(customerId: ID)', 'eraseCustomer(requestId: ID)',
      'grantConsent(input.customerId: ID)', 'grantConsent(input.expiresAt: DateTimeISO)', 'grantConsent(input.purpose: String)', 'grantConsent(input.source: String)',
      'liftRestriction(category: String)', 'liftRestriction(customerId: ID)', 'liftRestriction(purpose: String)',
      'recordObjection(category: String)', 'recordObjection(customerId: ID)', 'recordObjection(purpose: String)', 'recordObjection(reason: String)',
      'recordRightsRequest(customerId: ID)', 'recordRightsRequest(details: JSONObject)', 'recordRightsRequest(receivedAt: DateTimeISO)',
      'refuseRightsRequest(id: ID)', 'refuseRightsRequest(reason: String)',
      'removeObjection(category: String)', 'removeObjection(customerId: ID)', 'removeObjection(purpose: String)',
      'requestRectification(category: String)', 'requestRectification(correctedValue: String)', 'requestRectification(customerId: ID)',
      'requestRectification(field: String)', 'requestRectification(recordId: ID)', 'requestRectification(requestId: ID)',
      'resolveRectification(id: ID)',
      'restrictProcessing(category: String)', 'restrictProcessing(customerId: ID)', 'restrictProcessing(purpose: String)', 'restrictProcessing(reason: String)',
      'withdrawConsent(customerId: ID)', 'withdrawConsent(purpose: String)', 'withdrawConsent(source: String)',
    ]);
    expect(QUERY_TARGETS.map(label)).toEqual([
      'accessLog(after: String)', 'accessLog(filter.caller: String)', 'accessLog(filter.category: String)', 'accessLog(filter.customerId: ID)',
      'accessLog(filter.field: String)', 'accessLog(filter.from: DateTimeISO)', 'accessLog(filter.purpose: String)', 'accessLog(filter.reason: String)',
      'accessLog(filter.to: DateTimeISO)',
      'accessStats(filter.caller: String)', 'accessStats(filter.category: String)', 'accessStats(filter.customerId: ID)', 'accessStats(filter.field: String)',
      'accessStats(filter.from: DateTimeISO)', 'accessStats(filter.purpose: String)', 'accessStats(filter.reason: String)', 'accessStats(filter.to: DateTimeISO)',
      'consentHistory(customerId: ID)', 'customer(id: ID)', 'customers(ids[0]: ID)',
      'explain(categories[0]: String)', 'explain(customerId: ID)', 'explain(purpose: String)',
      'rectifications(customerId: ID)', 'rightsRequests(customerId: ID)', 'subjectExport(customerId: ID)',
    ]);
  });

  test('schema.graphql declares the documented maxima, and no others', () => {
    const declared: Record<string, number> = {};
    for (const t of ALL) {
      const d = t.arg.astNode?.directives?.find((x) => x.name.value === 'maxLength');
      const v = d?.arguments?.[0].value;
      if (v?.kind === 'IntValue') declared[`${t.field.name}.${t.name}`] = Number(v.value);
    }
    expect(declared).toEqual(DECLARED);
  });
});

const STRINGS = ALL.filter((t) => t.scalar !== 'JSONObject');

describe('a string one past its maximum: 400 BAD_USER_INPUT naming the argument and the limit, nothing read or written', () => {
  test.each(STRINGS.map((t) => [label(t), t] as const))('%s, as a variable and as a literal', async (_label, t) => {
    const max = maxOf(t);
    await writesNothing(async () => {
      const variables = operation(t, 'x'.repeat(max + 1), 'variables');
      expect(outcome(await send(variables))).toEqual(refusal(t, variables.column, `is longer than ${max} characters`, { maxLength: max }));
      const literal = operation(t, 'x'.repeat(max + 1), 'literal');
      if (t.scalar !== 'DateTimeISO') {
        expect(outcome(await send(literal))).toEqual(refusal(t, literal.column, `is longer than ${max} characters`, { maxLength: max }));
      } else {
        // A literal that is no date-time fails validation first (the scalar parses literals), located at the value, not repeated.
        const last = String(t.steps[t.steps.length - 1] ?? t.arg.name);
        const column = new RegExp(`[({, ]${last}: "x`).exec(literal.query)!.index + last.length + 4;
        expect(outcome(await send(literal))).toEqual({
          status: 400, sql: '0', body: { errors: [{ message: 'Invalid value', locations: [{ line: 1, column }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
        });
      }
    });
  });
});

describe('a string of 900 KB (the probe that filled the append-only tables): refused the same way', () => {
  test.each(STRINGS.map((t) => [label(t), t] as const))('%s', async (_label, t) => {
    const max = maxOf(t);
    await writesNothing(async () => {
      const op = operation(t, 'x'.repeat(900_000), 'variables');
      expect(outcome(await send(op))).toEqual(refusal(t, op.column, `is longer than ${max} characters`, { maxLength: max }));
    });
  });
});

/** An object nested `depth` levels: `{ "a": { "a": ... { "a": "leaf" } } }`. */
const nested = (depth: number): Record<string, unknown> => {
  let v: Record<string, unknown> = { a: 'leaf' };
  for (let i = 1; i < depth; i++) v = { a: v };
  return v;
};

describe('JSON details: depth and size', () => {
  const details = MUTATION_TARGETS.find((t) => t.field.name === 'recordRightsRequest' && t.name === 'details')!;
  const DEEPER = { maxDepth: DOCUMENTED.json.depth };
  test.each([
    ['nested 20,000 deep (answered 200 INTERNAL_SERVER_ERROR before)', DEEP_OBJECT, 'is nested deeper than 8 levels', DEEPER],
    ['nested 9 deep', nested(9), 'is nested deeper than 8 levels', DEEPER],
    ['an array nested 9 deep inside', { list: [[[[[[[['leaf']]]]]]]] }, 'is nested deeper than 8 levels', DEEPER],
    ['one byte over 16,384 as JSON', { note: 'x'.repeat(16_384 - '{"note":""}'.length + 1) }, 'is larger than 16384 bytes as JSON', { maxBytes: 16_384 }],
    ['over 16,384 bytes in Thai (3 bytes a character), under 16,384 characters', { note: 'ก'.repeat(6000) }, 'is larger than 16384 bytes as JSON', { maxBytes: 16_384 }],
  ])('%s: 400 BAD_USER_INPUT, nothing written', async (_name, value, why, extensions) => {
    await writesNothing(async () => {
      const op = operation(details, undefined, 'variables');
      const r = await send({ query: op.query, variables: { ...op.variables, details: value } });
      expect(outcome(r)).toEqual(refusal(details, op.column, why, extensions));
    });
  });

  test('a literal nested 9 deep, and a deep variable inside a literal: refused the same way', async () => {
    await writesNothing(async () => {
      const literal = `mutation { recordRightsRequest(customerId: "${ID}", kind: access, details: { a: { a: { a: { a: { a: { a: { a: { a: { a: 1 } } } } } } } } }) { id } }`;
      const column = literal.indexOf('details:') + 1;
      expect(outcome(await send({ query: literal }))).toEqual(refusal(details, column, 'is nested deeper than 8 levels', DEEPER));
      const inside = `mutation($n: JSONObject) { recordRightsRequest(customerId: "${ID}", kind: access, details: { note: $n }) { id } }`;
      expect(outcome(await send({ query: inside, variables: { n: DEEP_OBJECT } }))).toEqual(refusal(details, inside.indexOf('details:') + 1, 'is nested deeper than 8 levels', DEEPER));
    });
  });

  test('a 20,000-deep value where no JSON is expected: a coded 400, never an internal error', async () => {
    await writesNothing(async () => {
      const asReason = `mutation($r: String) { recordObjection(customerId: "${ID}", purpose: "marketing", reason: $r) { id } }`;
      expect(outcome(await send({ query: asReason, variables: { r: DEEP_OBJECT } }))).toEqual({
        status: 400, sql: '0', body: { errors: [{ message: 'Variable "$r" got an invalid value', locations: [{ line: 1, column: 10 }], extensions: { code: 'BAD_USER_INPUT' } }] },
      });
      const asInput = 'mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }';
      expect(outcome(await send({ query: asInput, variables: { i: { customerId: ID, purpose: 'marketing', source: 'signup_form', deep: DEEP_OBJECT } } }))).toEqual({
        status: 400, sql: '0', body: { errors: [{ message: 'Variable "$i" got an invalid value', locations: [{ line: 1, column: 10 }], extensions: { code: 'BAD_USER_INPUT' } }] },
      });
      const asList = `query($c: [String!]) { explain(customerId: "${ID}", purpose: "marketing", categories: $c) { purpose } }`;
      expect(outcome(await send({ query: asList, variables: { c: DEEP_LIST } }))).toEqual({
        status: 400, sql: '0', body: { errors: [{ message: 'Variable "$c" got an invalid value at "c[0]"', locations: [{ line: 1, column: 7 }], extensions: { code: 'BAD_USER_INPUT' } }] },
      });
      const asInt = 'query($f: Int!) { accessLog(first: $f) { edges { cursor } } }';
      expect(outcome(await send({ query: asInt, variables: { f: 'x'.repeat(900_000) } }))).toEqual({
        status: 400, sql: '0',
        body: { errors: [{ message: 'Argument "first" of "accessLog" is longer than 128 characters', locations: [{ line: 1, column: 29 }], extensions: { code: 'BAD_USER_INPUT', field: 'accessLog', argument: 'first', maxLength: 128 } }] },
      });
    });
  });

  test('a 20,000-deep value the operation does not use (an undeclared variable, the extensions): ignored, the operation runs', async () => {
    const r = await send({ query: '{ __typename }', variables: { unused: DEEP_OBJECT }, extensions: { deep: DEEP_LIST } });
    expect(outcome(r)).toEqual({ status: 200, sql: '0', body: { data: { __typename: 'Query' } } });
  });
});

describe('strings PostgreSQL cannot store: 400 BAD_USER_INPUT, not a store error', () => {
  const reason = MUTATION_TARGETS.find((t) => t.field.name === 'recordObjection' && t.name === 'reason')!;
  const details = MUTATION_TARGETS.find((t) => t.field.name === 'recordRightsRequest' && t.name === 'details')!;
  const WHY = 'contains U+0000 or an unpaired surrogate, which cannot be stored';
  test.each([
    ['a NUL in a reason', reason, 'Asked by\u0000phone'],
    ['an unpaired surrogate in a reason', reason, 'Asked by \ud800phone'],
    ['a NUL in a details value', details, { note: 'a\u0000b' }],
    ['a NUL in a details key', details, { ['no\u0000te']: 'x' }],
    ['an unpaired surrogate in a details value', details, { note: 'tail \udc00' }],
    ['a NUL in an access-log filter', QUERY_TARGETS.find((t) => t.field.name === 'accessLog' && t.name === 'filter.customerId')!, { customerId: 'cus_1_000001\u0000' }],
  ])('%s', async (_name, t, value) => {
    await writesNothing(async () => {
      const op = operation(t, undefined, 'variables');
      const r = await send({ query: op.query, variables: { ...op.variables, [t.arg.name]: value } });
      expect(outcome(r)).toEqual(refusal(t, op.column, WHY, {}));
    });
  });
  test('a paired surrogate (an emoji) is a character like any other: stored', async () => {
    const r = await send({ query: `mutation($r: String) { recordObjection(customerId: "${ID}", purpose: "marketing", reason: $r) { reason } }`, variables: { r: 'Unsubscribed \u{1F44B}' } });
    expect(outcome(r)).toEqual({ status: 200, sql: expect.any(String), body: { data: { recordObjection: { reason: 'Unsubscribed \u{1F44B}' } } } });
  });
});

describe('a list or object literal where a scalar is expected: the value is not repeated', () => {
  test.each([
    ['a list for JSON details', `mutation { recordRightsRequest(customerId: "${ID}", kind: access, details: ["somchai.fixture@example.test"]) { id } }`, 'details:'],
    ['an object for a reason', `mutation { recordObjection(customerId: "${ID}", purpose: "marketing", reason: { note: "somchai.fixture@example.test" }) { id } }`, 'reason:'],
    ['a list for a purpose', `mutation { recordObjection(customerId: "${ID}", purpose: ["somchai.fixture@example.test"]) { id } }`, 'purpose:'],
  ])('%s: 400 GRAPHQL_VALIDATION_FAILED, located', async (_name, query, arg) => {
    const r = await send({ query });
    const column = query.indexOf(arg) + arg.length + 2;
    expect(outcome(r)).toEqual({ status: 400, sql: '0', body: { errors: [{ message: 'Invalid value', locations: [{ line: 1, column }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] } });
  });
  test('a missing input field is still named', async () => {
    const r = await send({ query: `mutation { grantConsent(input: { customerId: "${ID}", source: "phone" }) { id } }` });
    expect(outcome(r)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'Field "GrantConsentInput.purpose" of required type "String!" was not provided.', locations: [{ line: 1, column: 32 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
  });
});

describe('a value at exactly its maximum is accepted', () => {
  const rowsOf = async (table: string) => Number((await env.gw.stores.gateway.query(`SELECT count(*)::text AS n FROM ${table}`))[0].n);

  test.each([
    ['recordObjection', 'objection_events', { kind: 'objection', purpose: 'marketing', category: null, action: 'object' }],
    ['restrictProcessing', 'restriction_events', { kind: 'restriction', purpose: null, category: null, action: 'restrict' }],
  ])('%s(reason:) of 2,000 characters: 200, stored whole', async (field, table, shape) => {
    const text = 'ก'.repeat(1000) + 'x'.repeat(1000);
    const purpose = field === 'recordObjection' ? ', purpose: "marketing"' : '';
    const before = await rowsOf(table);
    const r = await send({ query: `mutation($r: String) { ${field}(customerId: "${ID}"${purpose}, reason: $r) { id kind customerId purpose category action reason recordedBy } }`, variables: { r: text } });
    const [row] = await env.gw.stores.gateway.query(`SELECT id::text, reason FROM ${table} ORDER BY id DESC LIMIT 1`);
    expect(row.reason).toBe(text);
    expect(await rowsOf(table)).toBe(before + 1);
    expect(outcome(r)).toEqual({ status: 200, sql: expect.any(String), body: { data: { [field]: { id: row.id, customerId: ID, reason: text, recordedBy: 'dpo-console', ...shape } } } });
  });

  test('details at depth 8 and exactly 16,384 bytes; then an outcome and a refusal reason of 2,000 characters', async () => {
    const deep = nested(7); // 8 levels with details itself
    const pad = 16_384 - Buffer.byteLength(JSON.stringify({ deep, note: '' }));
    const details = { deep, note: 'x'.repeat(pad) };
    expect(Buffer.byteLength(JSON.stringify(details))).toBe(16_384);
    const record = `mutation($d: JSONObject) { recordRightsRequest(customerId: "${ID}", kind: access, details: $d) { id kind details status } }`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await send({ query: record, variables: { d: details } });
      const [row] = await env.gw.stores.gateway.query(`SELECT id::text, details FROM rights_requests ORDER BY id DESC LIMIT 1`);
      expect(row.details).toEqual(details);
      expect(outcome(r)).toEqual({ status: 200, sql: expect.any(String), body: { data: { recordRightsRequest: { id: row.id, kind: 'access', details, status: 'open' } } } });
      ids.push(row.id);
    }
    const text = 'y'.repeat(2000);
    const complete = await send({ query: `mutation($t: String!) { completeRightsRequest(id: "${ids[0]}", outcome: $t) { id status outcome } }`, variables: { t: text } });
    expect(outcome(complete)).toEqual({ status: 200, sql: expect.any(String), body: { data: { completeRightsRequest: { id: ids[0], status: 'completed', outcome: text } } } });
    const refuse = await send({ query: `mutation($t: String!) { refuseRightsRequest(id: "${ids[1]}", reason: $t) { id status refusalReason } }`, variables: { t: text } });
    expect(outcome(refuse)).toEqual({ status: 200, sql: expect.any(String), body: { data: { refuseRightsRequest: { id: ids[1], status: 'refused', refusalReason: text } } } });
  });

  test('requestRectification(correctedValue:) of 500 characters: 200', async () => {
    const value = 'S'.repeat(500);
    const r = await send({
      query: `mutation($v: String!) { requestRectification(customerId: "${ID}", category: "identity.name", field: "middleName", correctedValue: $v) { customerId category field status } }`,
      variables: { v: value },
    });
    expect(outcome(r)).toEqual({ status: 200, sql: expect.any(String), body: { data: { requestRectification: { customerId: ID, category: 'identity.name', field: 'middleName', status: 'pending' } } } });
    const [row] = await env.gw.stores.gateway.query(`SELECT corrected_value FROM rectification_values ORDER BY rectification_id DESC LIMIT 1`);
    expect(row.corrected_value).toBe(value);
  });

  test('an id and a key at their maximum pass the limit and get the operation\'s own answer', async () => {
    const id = 'c'.repeat(64);
    const r = await send({ query: `{ consentHistory(customerId: "${id}") { id } }` });
    expect(outcome(r)).toEqual({ status: 404, sql: expect.any(String), body: { data: null, errors: [{ message: 'No customer with this id', locations: [{ line: 1, column: 3 }], path: ['consentHistory'], extensions: { code: 'NOT_FOUND', customerId: id } }] } });
    const key = 'p'.repeat(128);
    const p = await send({ query: `mutation { recordObjection(customerId: "${ID}", purpose: "${key}") { id } }` });
    expect(outcome(p)).toEqual({
      status: 400, sql: '0',
      body: { data: null, errors: [{ message: 'No purpose of the policy pack in force has this key', locations: [{ line: 1, column: 12 }], path: ['recordObjection'], extensions: { code: 'UNKNOWN_PURPOSE', purpose: key } }] },
    });
  });
});

describe('the whole operation is checked before any of it runs', () => {
  test('a second mutation over a limit: the first is not carried out either', async () => {
    await writesNothing(async () => {
      const query = `mutation($r: String) { a: recordObjection(customerId: "${ID}", purpose: "marketing", reason: "ok") { id } b: recordObjection(customerId: "${ID}", purpose: "marketing", reason: $r) { id } }`;
      const r = await send({ query, variables: { r: 'x'.repeat(2001) } });
      const t = MUTATION_TARGETS.find((x) => x.field.name === 'recordObjection' && x.name === 'reason')!;
      expect(outcome(r)).toEqual(refusal(t, query.lastIndexOf('reason: $r') + 1, 'is longer than 2000 characters', { maxLength: 2000 }));
    });
  });
  test('through a fragment, and from a variable\'s default value', async () => {
    await writesNothing(async () => {
      const t = QUERY_TARGETS.find((x) => x.field.name === 'explain' && x.name === 'purpose')!;
      const viaFragment = `query { ...F } fragment F on Query { explain(customerId: "${ID}", purpose: "${'p'.repeat(129)}") { purpose } }`;
      expect(outcome(await send({ query: viaFragment }))).toEqual(refusal(t, viaFragment.indexOf('purpose:') + 1, 'is longer than 128 characters', { maxLength: 128 }));
      const viaDefault = `query($p: String! = "${'p'.repeat(129)}") { explain(customerId: "${ID}", purpose: $p) { purpose } }`;
      expect(outcome(await send({ query: viaDefault }))).toEqual(refusal(t, viaDefault.indexOf('purpose: $p') + 1, 'is longer than 128 characters', { maxLength: 128 }));
    });
  });
});

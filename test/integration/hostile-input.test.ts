import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { getNamedType, GraphQLObjectType, isObjectType, parse, specifiedRules, validate } from 'graphql';
import { startTestGateway, TestGateway, TEST_SECRET } from '../support/gateway';
import { measure, outcome, post, refused, repeat } from '../support/hostile-input';
import { ADULT, insertCustomers } from '../fixtures/customers';
import { EVERY_FIELD } from '../../bench/enforcement.bench';
import { loadConfig } from '../../src/config';
import { createGateway, Gateway } from '../../src/app';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { gatewayValidationRules } from '../../src/http/limits';
import { createRateLimiter } from '../../src/http/rate-limit';

/**
 * Hostile input at the HTTP and GraphQL edge: every bad request gets a 4xx (or the 503 of a
 * timeout) with a coded error, never data, never a stack, never a limit's value. Whole responses
 * asserted. Malformed JSON, invalid UTF-8, content types, body size, batching, methods, bad tokens
 * and unknown purposes are in operations.test.ts and request-contract.test.ts.
 */
let gw: TestGateway;
let crm = '';
let auditor = '';
let dpo = '';
const extra: Gateway[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT]);
  crm = await gw.token('crm-service');
  auditor = await gw.token('security-audit', ['auditor']);
  dpo = await gw.token('dpo-console', ['dpo']);
});
afterAll(async () => {
  for (const g of extra) await g.close();
  await gw.close();
});

/** Another gateway on the same databases, with some settings changed. */
async function gatewayWith(env: Record<string, string>): Promise<Gateway> {
  const config = loadConfig({
    GATEWAY_JWT_SECRET: TEST_SECRET, GATEWAY_POLICY: path.resolve(__dirname, '../../policies/smarttech.yaml'),
    GATEWAY_DATABASE_URL: gw.config.databases.gateway!, CRM_DATABASE_URL: gw.config.databases.crm!, BILLING_DATABASE_URL: gw.config.databases.billing!,
    ...env,
  });
  const g = await createGateway(config, gw.stores);
  extra.push(g);
  return g;
}

const asCrm = (query: string, variables?: Record<string, unknown>) => gw.gql({ token: crm, purpose: 'account_management', query, variables });
const asAuditor = (query: string, variables?: Record<string, unknown>) => gw.gql({ token: auditor, query, variables });

const TOO_COMPLEX = refused('GRAPHQL_VALIDATION_FAILED', 'Query is too complex');

const ID = ADULT.id;

describe('query limits: 400 GRAPHQL_VALIDATION_FAILED "Query is too complex", no data, no limit revealed, no store read', () => {
  const L = () => gw.config.queryLimits;
  const nestedInline = (levels: number) => {
    let inner = '{ id }';
    for (let i = 0; i < levels; i++) inner = `{ ... on Customer ${inner} }`;
    return `{ customer(id: "${ID}") ${inner} }`;
  };
  const nestedSpreads = (levels: number) =>
    `{ customer(id: "${ID}") { ...F0 } } ${repeat(levels, (i) => `fragment F${i} on Customer { id ${i + 1 < levels ? `...F${i + 1}` : ''} }`)}`;

  const cases: { name: string; query: () => string; variables?: Record<string, unknown>; as?: () => string }[] = [
    { name: 'deep: inline fragments nested past the depth limit', query: () => nestedInline(L().maxDepth) },
    { name: 'deep: fragment spreads chained past the depth limit', query: () => nestedSpreads(L().maxDepth) },
    { name: 'aliased: one alias more than allowed', query: () => `{ ${repeat(L().maxAliases + 1, (i) => `c${i}: customer(id: "${ID}") { id }`)} }` },
    { name: 'aliased: aliases in a fragment spread twice', query: () => `{ customer(id: "${ID}") { ...A ...A } } fragment A on Customer { ${repeat(Math.floor(L().maxAliases / 2) + 1, (i) => `f${i}: firstName`)} }` },
    { name: 'too many tokens', query: () => `{ customer(id: "${ID}") { ${repeat(L().maxTokens, () => 'id')} } }` },
    // 8,601 each: six exceed 50,000.
    { name: 'too costly: every field of customers(ids:) for the most ids, six times', query: () => `query($ids: [ID!]!) { ${repeat(6, (i) => `c${i}: customers(ids: $ids) { ${EVERY_FIELD} }`)} }`, variables: { ids: [ID] } },
    // 6,501 each: eight exceed 50,000.
    { name: 'too costly: accessLog(first: 500), eight times', query: () => `{ ${repeat(8, (i) => `a${i}: accessLog(first: 500) { edges { cursor node { id at caller purpose category fields effect reason rule requestId } } }`)} }`, as: () => auditor },
  ];
  test.each(cases)('$name', async ({ query, variables, as }) => {
    const r = await gw.gql({ token: as ? as() : crm, purpose: as ? null : 'account_management', query: query(), variables });
    expect(outcome(r)).toEqual({ status: 400, body: TOO_COMPLEX, sql: '0' });
  });

  test('too many directives (each also unknown while the schema lacks @include)', async () => {
    const n = L().maxDirectives + 1;
    const query = `{ customer(id: "${ID}") { id ${repeat(n, () => 'firstName @include(if: true)')} } }`;
    const r = await asCrm(query);
    const known = buildGatewaySchema({ enforce: true }).getDirective('include') !== undefined;
    const unknown = known ? [] : Array.from({ length: n }, (_, i) => ({
      message: 'Unknown directive "@include".', locations: [{ line: 1, column: query.indexOf('@include') + 1 + i * 'firstName @include(if: true) '.length }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    }));
    expect(outcome(r)).toEqual({ status: 400, body: { errors: [...TOO_COMPLEX.errors, ...unknown] }, sql: '0' });
  });

  test('circular fragments: the validation error, whole, and no data', async () => {
    const r = await asCrm(`{ customer(id: "${ID}") { ...A } } fragment A on Customer { id ...B } fragment B on Customer { firstName ...A }`);
    expect(outcome(r)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'Cannot spread fragment "A" within itself via "B".', locations: [{ line: 1, column: 71 }, { line: 1, column: 113 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
    const self = await asCrm(`{ customer(id: "${ID}") { ...A } } fragment A on Customer { id ...A }`);
    expect(outcome(self)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'Cannot spread fragment "A" within itself.', locations: [{ line: 1, column: 71 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
  });

  test('a document longer than the limit: 413 PAYLOAD_TOO_LARGE, POST or GET; one at the limit passes', async () => {
    const max = L().maxLength;
    const atLimit = `{ __typename }`.padEnd(max, ' ');
    expect(outcome(await asCrm(atLimit))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    const tooLong = `${atLimit} `;
    expect(outcome(await asCrm(tooLong))).toEqual({ status: 413, body: refused('PAYLOAD_TOO_LARGE', 'The query is too large'), sql: null });
    // GET: a long operation name, so the URL stays under node's 16 KB header limit.
    const get = await request(gw.gateway.server).get(`/graphql?query=${encodeURIComponent(`query ${'Q'.repeat(max)} { __typename }`)}`)
      .set({ authorization: `Bearer ${crm}`, 'apollo-require-preflight': 'true' });
    expect(outcome(get)).toEqual({ status: 413, body: refused('PAYLOAD_TOO_LARGE', 'The query is too large'), sql: null });
  });

  test('the heaviest legitimate documents use at most half of every limit', () => {
    const schema = buildGatewaySchema({ enforce: true });
    const every = (t: GraphQLObjectType): string => Object.values(t.getFields())
      .filter((f) => f.args.every((a) => !String(a.type).endsWith('!') || a.defaultValue !== undefined))
      .map((f) => (isObjectType(getNamedType(f.type)) ? `${f.name} { ${every(getNamedType(f.type) as GraphQLObjectType)} }` : f.name)).join(' ');
    const type = (name: string) => schema.getType(name) as GraphQLObjectType;
    const ids = JSON.stringify(Array.from({ length: gw.config.maxBatch }, (_, i) => `cus_1_${String(i).padStart(6, '0')}`));
    const heaviest: Record<string, string> = {
      'customers, every field (bench)': `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`,
      'customers, every field, literal ids': `{ customers(ids: ${ids}) { ${every(type('Customer'))} } }`,
      'accessLog(first: 500), every field': `{ accessLog(first: 500) { ${every(type('AccessLogConnection'))} } }`,
      'eraseMinorsWithoutGuardianConsent(limit: 1000), every field': `mutation { eraseMinorsWithoutGuardianConsent(limit: 1000) { ${every(type('ErasureReceipt'))} } }`,
    };
    const measured: Record<string, Record<string, number>> = {};
    for (const [name, source] of Object.entries(heaviest)) {
      const m = measure(schema, source, gw.config.maxBatch);
      measured[name] = m;
      expect(validate(schema, parse(source), [...specifiedRules, ...gatewayValidationRules(gw.config.queryLimits, gw.config.maxBatch)])).toEqual([]);
    }
    const limits = gw.config.queryLimits;
    const bound = { length: limits.maxLength, tokens: limits.maxTokens, depth: limits.maxDepth, aliases: limits.maxAliases, directives: limits.maxDirectives, cost: limits.maxCost };
    for (const [name, m] of Object.entries(measured)) {
      for (const [k, v] of Object.entries(m)) expect({ name, [k]: v * 2 <= bound[k as keyof typeof bound] }).toEqual({ name, [k]: true });
    }
    // The numbers quoted in src/config.ts and the README.
    expect(measured['customers, every field (bench)'].cost).toBe(8601);
    expect(measured['customers, every field, literal ids'].cost).toBe(11201);
    expect(measured['accessLog(first: 500), every field'].cost).toBe(12501);
    expect(measured['eraseMinorsWithoutGuardianConsent(limit: 1000), every field'].cost).toBe(23001);
  });

  test('the heaviest read runs: customers(ids:) for the most ids with every field', async () => {
    const ids = [ID, ...Array.from({ length: gw.config.maxBatch - 1 }, (_, i) => `cus_1_${String(i).padStart(6, '0')}`)];
    const r = await gw.gql({ token: dpo, purpose: 'data_subject_request', query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } });
    expect(r.status).toBe(200);
    // Only field-level decisions (health data is outside data_subject_request in this pack), no limit.
    expect(new Set(r.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code))).toEqual(new Set(['FORBIDDEN_BY_POLICY']));
    expect(r.body.data.customers).toHaveLength(gw.config.maxBatch);
    expect(r.body.data.customers[0]).toMatchObject({ id: ID, firstName: ADULT.firstName });
  });
});

describe('schema details and input values are not repeated back', () => {
  test('no field suggestions ("Did you mean") in validation errors', async () => {
    const r = await asCrm(`{ customr(id: "${ID}") { id } }`);
    expect(outcome(r)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'Cannot query field "customr" on type "Query".', locations: [{ line: 1, column: 3 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
    const f = await asCrm(`{ customer(id: "${ID}") { firstname } }`);
    expect(f.body).toEqual({ errors: [{ message: 'Cannot query field "firstname" on type "Customer".', locations: [{ line: 1, column: 34 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  });

  const LOG = 'query($f: AccessLogFilterInput) { accessLog(filter: $f) { edges { cursor } } }';
  test.each([
    ['an enum value near a real one', { effect: 'ALOW' }, 'Variable "$f" got an invalid value at "f.effect"'],
    ['an injection-shaped enum value', { effect: "ALLOW' OR 1=1 --" }, 'Variable "$f" got an invalid value at "f.effect"'],
    ['an injection-shaped date', { from: "2026-01-01'; DROP TABLE access_log; --" }, 'Variable "$f" got an invalid value at "f.from"'],
    ['a value shaped like the message itself', { to: 'x" at "f.caller"; leak' }, 'Variable "$f" got an invalid value at "f.to"'],
    ['a field the input type does not have', { calle: 'somchai.fixture@example.test' }, 'Variable "$f" got an invalid value'],
  ])('variable coercion, %s: 400 BAD_USER_INPUT naming the variable and path, never the value', async (_name, f, message) => {
    const r = await asAuditor(LOG, { f });
    expect(outcome(r)).toEqual({ status: 400, body: { errors: [{ message, locations: [{ line: 1, column: 7 }], extensions: { code: 'BAD_USER_INPUT' } }] }, sql: '0' });
  });

  test.each([
    ['caller', "crm-service' OR '1'='1", 'caller is not a caller id'],
    ['purpose', "marketing'; DROP TABLE access_log; --", 'purpose is not a purpose key'],
    ['category', "contact' UNION SELECT * FROM access_log --", 'category is not a category (dotted lower-case name)'],
    ['field', 'address) OR (1=1', 'field is not a field name or Type.field'],
    ['reason', 'NO_CONSENT%', 'reason is not a reason code'],
    ['customerId', 'cus_1_000001\u0000', 'customerId is not a customer id'],
  ])('injection-shaped filter %s: 400 BAD_USER_INPUT naming the filter, no store read', async (key, value, message) => {
    const r = await asAuditor(LOG, { f: { [key]: value } });
    expect(outcome(r)).toEqual({ status: 400, body: { data: null, errors: [{ message, locations: [{ line: 1, column: 35 }], path: ['accessLog'], extensions: { code: 'BAD_USER_INPUT' } }] }, sql: '0' });
  });

  test('an invalid literal argument: the expected type, located, without the value', async () => {
    const r = await asAuditor(`{ accessLog(filter: { from: "2026'; DROP TABLE access_log; --" }) { edges { cursor } } }`);
    expect(outcome(r)).toEqual({ status: 400, body: { errors: [{ message: 'Invalid value', locations: [{ line: 1, column: 29 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, sql: '0' });
    const n = await asAuditor(`{ accessLog(first: "somchai.fixture@example.test") { edges { cursor } } }`);
    expect(outcome(n)).toEqual({ status: 400, body: { errors: [{ message: 'Invalid value', locations: [{ line: 1, column: 20 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, sql: '0' });
    const m = await asAuditor(`{ accessLog(first: null) { edges { cursor } } }`);
    expect(outcome(m)).toEqual({ status: 400, body: { errors: [{ message: 'Expected value of type "Int!"', locations: [{ line: 1, column: 20 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, sql: '0' });
  });
});

describe('declared purpose: empty and injection-shaped values', () => {
  const QUERY = `{ customer(id: "${ID}") { id firstName } }`;
  const withPurpose = (purpose: string) => post(gw.gateway.server, { query: QUERY }, { authorization: `Bearer ${crm}`, 'x-purpose': purpose });
  test.each([[''], ['   ']])('X-Purpose %j: 400 PURPOSE_REQUIRED', async (purpose) => {
    expect(outcome(await withPurpose(purpose))).toEqual({
      status: 400, body: refused('PURPOSE_REQUIRED', 'This operation reads personal data: declare a purpose in the X-Purpose header'), sql: '0',
    });
  });
  test.each([["account_management' OR '1'='1"], ['account_management; DROP TABLE consents; --'], ['../../etc/passwd'], ['{"$ne":null}']])(
    'X-Purpose %j: 400 UNKNOWN_PURPOSE, no store read', async (purpose) => {
      expect(outcome(await withPurpose(purpose))).toEqual({
        status: 400, body: refused('UNKNOWN_PURPOSE', 'X-Purpose names no purpose of the policy pack in force', { purpose }), sql: '0',
      });
    });
  test.each([['marketing\u00e9'], ['x'.repeat(201)], ['tab\tinside']])('X-Purpose not printable ASCII or too long: 400 BAD_REQUEST', async (purpose) => {
    const r = await withPurpose(purpose);
    expect(outcome(r)).toEqual({ status: 400, body: refused('BAD_REQUEST', 'x-purpose must be printable ASCII, at most 200 characters'), sql: null });
  });
});

describe('request shapes Apollo refuses: coded 4xx, never a stack', () => {
  const as = (body: unknown) => post(gw.gateway.server, body, { authorization: `Bearer ${crm}` });
  test.each([
    ['variables as a string', { query: '{ __typename }', variables: '{}' }, 400, 'BAD_REQUEST', '`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.'],
    ['query as a number', { query: 123 }, 400, 'BAD_REQUEST', 'GraphQL queries must be strings.'],
    ['no query', {}, 400, 'BAD_REQUEST', 'POST body missing, invalid Content-Type, or JSON object has no keys.'],
    ['a JSON string body', '"x"', 400, 'BAD_REQUEST', 'POST body missing, invalid Content-Type, or JSON object has no keys.'],
    ['two operations, no operationName', { query: 'query A { __typename } query B { __typename }' }, 400, 'OPERATION_RESOLUTION_FAILURE', 'Must provide operation name if query contains multiple operations.'],
    ['an unknown operationName', { query: 'query A { __typename }', operationName: 'B' }, 400, 'OPERATION_RESOLUTION_FAILURE', 'Unknown operation named "B".'],
  ])('%s', async (_name, body, status, code, message) => {
    const r = await as(body);
    expect(outcome(r)).toEqual({ status, body: refused(code, message), sql: '0' });
  });
  test('a subscription (the schema has none): 400, not an internal error', async () => {
    const r = await as({ query: 'subscription { __typename }' });
    expect(outcome(r)).toEqual({
      status: 400, sql: '0',
      body: { errors: [{ message: 'The schema does not support subscription operations.', locations: [{ line: 1, column: 1 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
    });
  });
  test('405 names the allowed methods', async () => {
    const r = await request(gw.gateway.server).put('/graphql').set('authorization', `Bearer ${crm}`);
    expect({ ...outcome(r), allow: r.headers.allow }).toEqual({ status: 405, body: refused('METHOD_NOT_ALLOWED', 'Use POST (or GET for queries)'), sql: null, allow: 'GET, POST' });
    const e = await request(gw.gateway.server).post('/audit/export').set('authorization', `Bearer ${auditor}`);
    expect({ ...outcome(e), allow: e.headers.allow }).toEqual({ status: 405, body: refused('METHOD_NOT_ALLOWED', 'Use GET'), sql: null, allow: 'GET' });
  });
});

describe('CSRF prevention', () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    request(gw.gateway.server).get(`/graphql?query=${encodeURIComponent(query)}`).set({ authorization: `Bearer ${crm}`, ...headers });
  const CSRF = "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n";
  test('a GET query without a preflight header or JSON content type: 400 BAD_REQUEST, not executed', async () => {
    expect(outcome(await get('{ __typename }'))).toEqual({ status: 400, body: refused('BAD_REQUEST', CSRF), sql: '0' });
  });
  test('a GET query with apollo-require-preflight (or a JSON content type) runs', async () => {
    expect(outcome(await get('{ __typename }', { 'apollo-require-preflight': 'true' }))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    expect(outcome(await get('{ __typename }', { 'content-type': 'application/json' }))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
  });
  test('a mutation by GET: 405, Allow: POST', async () => {
    const r = await get(`mutation { withdrawConsent(customerId: "${ID}", purpose: "marketing") { customerId } }`, { 'apollo-require-preflight': 'true' });
    expect({ ...outcome(r), allow: r.headers.allow }).toEqual({ status: 405, body: refused('BAD_REQUEST', 'GET requests only support query operations, not mutation operations'), sql: '0', allow: 'POST' });
  });
  test.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x']])('a "simple" cross-site POST (%s): 415', async (type) => {
    const r = await request(gw.gateway.server).post('/graphql').set({ authorization: `Bearer ${crm}`, 'content-type': type }).send('{"query":"{ __typename }"}');
    expect(outcome(r)).toEqual({ status: 415, body: refused('UNSUPPORTED_MEDIA_TYPE', 'Send the request as application/json'), sql: null });
  });
});

describe('tokens not yet valid', () => {
  test('nbf in the future: 401 UNAUTHENTICATED, no data', async () => {
    const token = await new SignJWT({ roles: ['service'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('crm-service').setAudience('privacy-gateway')
      .setNotBefore(Math.floor(Date.now() / 1000) + 600).setExpirationTime('20m').sign(new TextEncoder().encode(TEST_SECRET));
    const r = await gw.gql({ token, purpose: 'account_management', query: `{ customer(id: "${ID}") { id } }` });
    expect(outcome(r)).toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: claim "nbf" is invalid'), sql: null });
  });
});

describe('production (GATEWAY_ENV=production, RS256 tokens from a JWKS)', () => {
  let prod: Gateway;
  let jwks: http.Server;
  let rs256 = '';
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    prod = await gatewayWith({ GATEWAY_ENV: 'production', GATEWAY_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, GATEWAY_JWT_SECRET: '' });
    rs256 = await new SignJWT({ roles: ['service'] }).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setSubject('crm-service').setAudience('privacy-gateway')
      .setExpirationTime('10m').sign(privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => jwks.close(() => resolve())));

  const INTROSPECTION = 'GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. To enable introspection, pass introspection: true to ApolloServer in production';
  test('a query runs with an RS256 token; an HS256 development token is refused', async () => {
    expect(outcome(await post(prod.server, { query: `{ customer(id: "${ID}") { id } }` }, { authorization: `Bearer ${rs256}`, 'x-purpose': 'account_management' })))
      .toEqual({ status: 200, body: { data: { customer: { id: ID } } }, sql: expect.any(String) });
    expect(outcome(await post(prod.server, { query: '{ __typename }' }, { authorization: `Bearer ${crm}` })))
      .toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: token algorithm not allowed'), sql: null });
  });
  test.each([['{ __schema { queryType { name } } }', 3], ['{ __type(name: "Customer") { fields { name } } }', 3], ['{ customer(id: "x") { id } a: __schema { types { name } } }', 28]])(
    'introspection is refused: %s', async (query, column) => {
      const r = await post(prod.server, { query }, { authorization: `Bearer ${rs256}`, 'x-purpose': 'account_management' });
      expect(outcome(r)).toEqual({ status: 400, body: { errors: [{ message: INTROSPECTION, locations: [{ line: 1, column }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' } }] }, sql: '0' });
    });
  test('…and allowed in development', async () => {
    const r = await asCrm('{ __schema { queryType { name } } }');
    expect(outcome(r)).toEqual({ status: 200, body: { data: { __schema: { queryType: { name: 'Query' } } } }, sql: '0' });
  });
  test('no stack trace or exception details in any error response, development or production', async () => {
    const bodies: string[] = [];
    for (const server of [gw.gateway.server, prod.server]) {
      const auth = { authorization: `Bearer ${server === prod.server ? rs256 : crm}` };
      bodies.push(
        (await post(server, { query: '{ customer(id: ' }, auth)).text,
        (await post(server, { query: 'subscription { __typename }' }, auth)).text,
        (await post(server, { query: '{ nope }' }, auth)).text,
        (await post(server, { query: `{ customer(id: "x' OR 1=1") { id } }` }, { ...auth, 'x-purpose': 'account_management' })).text,
        (await post(server, { query: `query($ids: [ID!]!) { customers(ids: $ids) { id } }`, variables: { ids: Array(101).fill(ID) } }, { ...auth, 'x-purpose': 'account_management' })).text,
        (await request(server).post('/graphql').set({ ...auth, 'content-type': 'application/json' }).send('{"query": ')).text,
      );
    }
    for (const text of bodies) {
      expect(JSON.parse(text).errors.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/stacktrace|exception|\bat [\w.<>]+ \(|\.ts:\d+|node_modules/);
    }
  });
});

describe('execution timeout', () => {
  test('a request not finished in time: 503 REQUEST_TIMEOUT, no data; its decisions are still logged', async () => {
    const slow = await gatewayWith({ GATEWAY_EXECUTION_TIMEOUT_MS: '1' });
    const ids = [ID, ...Array.from({ length: gw.config.maxBatch - 1 }, (_, i) => `cus_1_${String(i).padStart(6, '0')}`)];
    const r = await post(slow.server, { query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } }, { authorization: `Bearer ${dpo}`, 'x-purpose': 'data_subject_request' });
    expect(outcome(r)).toEqual({ status: 503, body: refused('REQUEST_TIMEOUT', 'The request did not finish in time; no data is returned'), sql: null });
    expect(r.text).not.toContain(ADULT.firstName);
    // graphql-js cannot abort: the execution ends in the background and logs what it decided.
    const requestId = r.headers['x-request-id'];
    const deadline = Date.now() + 10_000;
    let n = 0;
    while (n === 0 && Date.now() < deadline) {
      [{ n }] = await gw.stores.gateway.query('SELECT count(*)::int AS n FROM access_log WHERE request_id = $1', [requestId]);
      if (n === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(n).toBeGreaterThan(0);
  });
});

describe('rate limit per caller', () => {
  test('a burst, then 429 RATE_LIMITED with Retry-After; other callers unaffected; refilled over time', async () => {
    const limited = await gatewayWith({ GATEWAY_RATE_LIMIT_RPS: '2', GATEWAY_RATE_LIMIT_BURST: '3' });
    const ask = (token: string) => post(limited.server, { query: '{ __typename }' }, { authorization: `Bearer ${token}` });
    for (let i = 0; i < 3; i++) expect(outcome(await ask(crm))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    const r = await ask(crm);
    expect({ ...outcome(r), retryAfter: r.headers['retry-after'] })
      .toEqual({ status: 429, body: refused('RATE_LIMITED', 'Too many requests from this caller: retry after the Retry-After delay'), sql: null, retryAfter: '1' });
    // The same caller on another route; another caller; a bad token (not a caller) is not counted.
    const exp = await request(limited.server).get('/audit/export').set('authorization', `Bearer ${crm}`);
    expect(exp.status).toBe(429);
    expect(outcome(await ask(auditor))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    expect((await ask('not-a-token')).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await ask(crm)).status).toBe(200);
  });

  test('the bucket: burst, refill rate, Retry-After rounded up, off at 0', () => {
    let t = 0;
    const limiter = createRateLimiter({ perSecond: 0.5, burst: 2 }, () => t)!;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('b')]).toEqual([0, 0, 2, 0]);
    t = 1000; // half a token back
    expect(limiter.take('a')).toBe(1);
    t = 2000;
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 2]);
    t = 1_000_000; // never more than the burst
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 2]);
    expect(createRateLimiter({ perSecond: 0, burst: 10 })).toBeNull();
  });
});

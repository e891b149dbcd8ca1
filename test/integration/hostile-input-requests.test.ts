import request from 'supertest';
import { SignJWT } from 'jose';
import { TEST_SECRET } from '../support/gateway';
import { outcome, post, refused } from '../support/hostile-input';
import { asAuditor, asCrm, env, ID, useHostileInputGateway } from '../support/hostile-input-gateway';

/**
 * Hostile requests at the HTTP and GraphQL edge: every bad request gets a 4xx with a coded error,
 * never data, never a stack, and never repeats back the schema's names or the values sent
 * (validation errors, variable coercion, injection-shaped filters and purposes), request shapes
 * Apollo refuses, CSRF prevention, tokens not yet valid. Whole responses asserted. Malformed JSON,
 * invalid UTF-8, content types, body size, batching, methods, bad tokens and unknown purposes are
 * in operations.test.ts and request-contract.test.ts; the query limits in
 * hostile-input-query-limits.test.ts.
 */
useHostileInputGateway();

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
    // A NUL is refused earlier, by the input limits (hostile-input-argument-limits.test.ts).
    ['customerId', "cus_1_000001' OR '1'='1", 'customerId is not a customer id'],
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
  const withPurpose = (purpose: string) => post(env.gw.gateway.server, { query: QUERY }, { authorization: `Bearer ${env.crm}`, 'x-purpose': purpose });
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
  const as = (body: unknown) => post(env.gw.gateway.server, body, { authorization: `Bearer ${env.crm}` });
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
    const r = await request(env.gw.gateway.server).put('/graphql').set('authorization', `Bearer ${env.crm}`);
    expect({ ...outcome(r), allow: r.headers.allow }).toEqual({ status: 405, body: refused('METHOD_NOT_ALLOWED', 'Use POST (or GET for queries)'), sql: null, allow: 'GET, POST' });
    const e = await request(env.gw.gateway.server).post('/audit/export').set('authorization', `Bearer ${env.auditor}`);
    expect({ ...outcome(e), allow: e.headers.allow }).toEqual({ status: 405, body: refused('METHOD_NOT_ALLOWED', 'Use GET'), sql: null, allow: 'GET' });
  });
});

describe('CSRF prevention', () => {
  const get = (query: string, headers: Record<string, string> = {}) =>
    request(env.gw.gateway.server).get(`/graphql?query=${encodeURIComponent(query)}`).set({ authorization: `Bearer ${env.crm}`, ...headers });
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
    const r = await request(env.gw.gateway.server).post('/graphql').set({ authorization: `Bearer ${env.crm}`, 'content-type': type }).send('{"query":"{ __typename }"}');
    expect(outcome(r)).toEqual({ status: 415, body: refused('UNSUPPORTED_MEDIA_TYPE', 'Send the request as application/json'), sql: null });
  });
});

describe('tokens not yet valid', () => {
  test('nbf in the future: 401 UNAUTHENTICATED, no data', async () => {
    const token = await new SignJWT({ roles: ['service'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('crm-service').setAudience('privacy-gateway')
      .setNotBefore(Math.floor(Date.now() / 1000) + 600).setExpirationTime('20m').sign(new TextEncoder().encode(TEST_SECRET));
    const r = await env.gw.gql({ token, purpose: 'account_management', query: `{ customer(id: "${ID}") { id } }` });
    expect(outcome(r)).toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: claim "nbf" is invalid'), sql: null });
  });
});

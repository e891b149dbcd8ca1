import request from 'supertest';
import { outcome, post, refused } from '../support/hostile-input';
import { asCrm, env, gatewayWith, ID, productionGateway, useHostileInputGateway } from '../support/hostile-input-gateway';
import { ADULT } from '../fixtures/customers';
import { EVERY_FIELD } from '../../bench/enforcement.bench';
import { Gateway } from '../../src/app';
import { createRateLimiter } from '../../src/http/rate-limit';

/**
 * Hostile input against the gateway's settings, each on another gateway over the same databases
 * (gatewayWith): in production (RS256 tokens from a JWKS) development tokens and introspection are
 * refused and no error response carries a stack; a request not finished in time gets 503
 * REQUEST_TIMEOUT with no data, its decisions still logged; a caller past its rate limit gets 429
 * RATE_LIMITED. Whole responses asserted. The rest of the hostile input is in
 * hostile-input-query-limits.test.ts and hostile-input-requests.test.ts.
 */
useHostileInputGateway();

describe('production (GATEWAY_ENV=production, RS256 tokens from a JWKS)', () => {
  let prod: Gateway;
  let rs256 = '';
  let closeJwks: () => Promise<void>;
  beforeAll(async () => {
    ({ gateway: prod, token: rs256, close: closeJwks } = await productionGateway());
  });
  afterAll(() => closeJwks());

  const INTROSPECTION = 'GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. To enable introspection, pass introspection: true to ApolloServer in production';
  test('a query runs with an RS256 token; an HS256 development token is refused', async () => {
    expect(outcome(await post(prod.server, { query: `{ customer(id: "${ID}") { id } }` }, { authorization: `Bearer ${rs256}`, 'x-purpose': 'account_management' })))
      .toEqual({ status: 200, body: { data: { customer: { id: ID } } }, sql: null }); // no x-sql-statements in production
    expect(outcome(await post(prod.server, { query: '{ __typename }' }, { authorization: `Bearer ${env.crm}` })))
      .toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: token algorithm not allowed'), sql: null });
  });
  test.each([['{ __schema { queryType { name } } }', 3], ['{ __type(name: "Customer") { fields { name } } }', 3], ['{ customer(id: "x") { id } a: __schema { types { name } } }', 28]])(
    'introspection is refused: %s', async (query, column) => {
      const r = await post(prod.server, { query }, { authorization: `Bearer ${rs256}`, 'x-purpose': 'account_management' });
      expect(outcome(r)).toEqual({ status: 400, body: { errors: [{ message: INTROSPECTION, locations: [{ line: 1, column }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' } }] }, sql: null });
    });
  test('…and allowed in development', async () => {
    const r = await asCrm('{ __schema { queryType { name } } }');
    expect(outcome(r)).toEqual({ status: 200, body: { data: { __schema: { queryType: { name: 'Query' } } } }, sql: '0' });
  });
  test('no stack trace or exception details in any error response, development or production', async () => {
    const bodies: string[] = [];
    for (const server of [env.gw.gateway.server, prod.server]) {
      const auth = { authorization: `Bearer ${server === prod.server ? rs256 : env.crm}` };
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
    const ids = [ID, ...Array.from({ length: env.gw.config.maxBatch - 1 }, (_, i) => `cus_1_${String(i).padStart(6, '0')}`)];
    const r = await post(slow.server, { query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } }, { authorization: `Bearer ${env.dpo}`, 'x-purpose': 'data_subject_request' });
    expect(outcome(r)).toEqual({ status: 503, body: refused('REQUEST_TIMEOUT', 'The request did not finish in time; no data is returned'), sql: null });
    expect(r.text).not.toContain(ADULT.firstName);
    // graphql-js cannot abort: the execution ends in the background and logs what it decided.
    const requestId = r.headers['x-request-id'];
    const deadline = Date.now() + 10_000;
    let n = 0;
    while (n === 0 && Date.now() < deadline) {
      [{ n }] = await env.gw.stores.gateway.query('SELECT count(*)::int AS n FROM access_log WHERE request_id = $1', [requestId]);
      if (n === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(n).toBeGreaterThan(0);
  });
});

describe('rate limit per caller', () => {
  test('a burst, then 429 RATE_LIMITED with Retry-After; other callers unaffected; refilled over time', async () => {
    const limited = await gatewayWith({ GATEWAY_RATE_LIMIT_RPS: '2', GATEWAY_RATE_LIMIT_BURST: '3' });
    const ask = (token: string) => post(limited.server, { query: '{ __typename }' }, { authorization: `Bearer ${token}` });
    for (let i = 0; i < 3; i++) expect(outcome(await ask(env.crm))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    const r = await ask(env.crm);
    expect({ ...outcome(r), retryAfter: r.headers['retry-after'] })
      .toEqual({ status: 429, body: refused('RATE_LIMITED', 'Too many requests from this caller: retry after the Retry-After delay'), sql: null, retryAfter: '1' });
    // The same caller on another route; another caller; a bad token (not a caller) is not counted.
    const exp = await request(limited.server).get('/audit/export').set('authorization', `Bearer ${env.crm}`);
    expect(exp.status).toBe(429);
    expect(outcome(await ask(env.auditor))).toEqual({ status: 200, body: { data: { __typename: 'Query' } }, sql: '0' });
    expect((await ask('not-a-token')).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await ask(env.crm)).status).toBe(200);
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

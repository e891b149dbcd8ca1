import http from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import request from 'supertest';
import { outcome, post, refused } from '../support/hostile-input';
import { asCrm, env, gatewayWith, ID, useHostileInputGateway } from '../support/hostile-input-gateway';
import { TEST_SECRET } from '../support/gateway';
import { Gateway } from '../../src/app';
import { INVALID_QUERY, INVALID_SYNTAX } from '../../src/http/production-errors';

/**
 * Production mode against a hostile caller (issue 16, item 4), each case on a gateway of its own
 * over the file's databases (gatewayWith), with RS256 tokens from a key-set server of the test's:
 * no landing page; validation errors that name no schema element (development keeps its
 * messages); tokens issued in the future or valid too long are refused (with a clock skew, both
 * configurable); a key set that cannot be fetched is 503 AUTH_UNAVAILABLE within a bounded wait,
 * not 401. Whole responses asserted. The rest of production's settings: hostile-input-settings.test.ts.
 */
useHostileInputGateway();

const now = () => Math.floor(Date.now() / 1000);
const YEAR = 365 * 86400;
let privateKey: KeyLike;
let jwk: JWK;

/** A key-set server answering with `handler`; closed (its connections too) by `close`. */
async function keySetServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
const serveKeys: http.RequestListener = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));

/** An RS256 token of crm-service; `iat: null` leaves the claim out. */
function token(opts: { iat?: number | null; exp?: number } = {}): Promise<string> {
  const iat = opts.iat === undefined ? now() : opts.iat;
  const jwt = new SignJWT({ roles: ['service'], ...(iat === null ? {} : { iat }) }).setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setSubject('crm-service').setAudience('privacy-gateway').setExpirationTime(opts.exp ?? now() + 600);
  return jwt.sign(privateKey);
}

const production = (jwksUrl: string, settings: Record<string, string> = {}) =>
  gatewayWith({ GATEWAY_ENV: 'production', GATEWAY_JWKS_URL: jwksUrl, GATEWAY_JWT_SECRET: '', ...settings });
const READ = `{ customer(id: "${ID}") { id } }`;
const read = (g: Gateway, jwt: string) => post(g.server, { query: READ }, { authorization: `Bearer ${jwt}`, 'x-purpose': 'account_management' });
const SERVED = { status: 200, body: { data: { customer: { id: ID } } }, sql: null };

let keys: Awaited<ReturnType<typeof keySetServer>>;
let prod: Gateway;
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  keys = await keySetServer(serveKeys);
  prod = await production(keys.url);
});
afterAll(() => keys.close());

describe('no landing page in production', () => {
  test('GET /graphql asking for HTML gets no page, only the usual GET rules, as JSON: 401 without a token, 400 BAD_REQUEST without a preflight header', async () => {
    const CSRF = 'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a \'content-type\' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n';
    const asBrowser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const anonymous = await request(prod.server).get('/graphql').set(asBrowser);
    expect({ ...outcome(anonymous), type: anonymous.headers['content-type'] })
      .toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: missing Authorization header'), sql: null, type: 'application/json; charset=utf-8' });
    const caller = await request(prod.server).get('/graphql').set({ ...asBrowser, authorization: `Bearer ${await token()}` });
    expect({ ...outcome(caller), type: caller.headers['content-type'] })
      .toEqual({ status: 400, body: refused('BAD_REQUEST', CSRF), sql: null, type: 'application/json; charset=utf-8' });
    expect(caller.text).not.toMatch(/<html|<script/i);
  });

  test('…development keeps Apollo\'s landing page (HTML) for the people writing queries', async () => {
    const r = await request(env.gw.gateway.server).get('/graphql').set({ accept: 'text/html', authorization: `Bearer ${env.crm}` });
    expect({ status: r.status, type: r.headers['content-type'] }).toEqual({ status: 200, type: 'text/html' });
    expect(r.text).toMatch(/<html/i);
  });
});

describe('validation errors in production name no schema element; development keeps its messages', () => {
  const cases: [string, string, unknown][] = [
    ['a selection missing', `{ customer(id: "${ID}") }`,
      [{ message: 'Field "customer" of type "Customer" must have a selection of subfields.', locations: [{ line: 1, column: 3 }] }]],
    ['fields guessed (a schema-recovery probe): which exist shows nowhere', `{ customer(id: "${ID}") { id email emails phone password ssn } }`, [
      { message: 'Cannot query field "email" on type "Customer".', locations: [{ line: 1, column: 37 }] },
      { message: 'Field "emails" of type "[Email!]" must have a selection of subfields.', locations: [{ line: 1, column: 43 }] },
      { message: 'Cannot query field "phone" on type "Customer".', locations: [{ line: 1, column: 50 }] },
      { message: 'Cannot query field "password" on type "Customer".', locations: [{ line: 1, column: 56 }] },
      { message: 'Cannot query field "ssn" on type "Customer".', locations: [{ line: 1, column: 65 }] },
    ]],
    ['an argument guessed', `{ customer(id: "${ID}", withDeleted: true) { id } }`,
      [{ message: 'Unknown argument "withDeleted" on field "Query.customer".', locations: [{ line: 1, column: 32 }] }]],
    ['a literal of the wrong type', '{ customer(id: 1.5) { id } }', [{ message: 'Invalid value', locations: [{ line: 1, column: 16 }] }]],
    ['a variable in the wrong place', 'query($n: Int) { customer(id: $n) { id } }',
      [{ message: 'Variable "$n" of type "Int" used in position expecting type "ID!".', locations: [{ line: 1, column: 7 }, { line: 1, column: 31 }] }]],
  ];
  test.each(cases)('%s', async (_name, query, development) => {
    const auth = { authorization: `Bearer ${await token()}`, 'x-purpose': 'account_management' };
    expect(outcome(await post(prod.server, { query }, auth)))
      .toEqual({ status: 400, body: { errors: [{ message: INVALID_QUERY, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, sql: null });
    const dev = (development as { message: string; locations: unknown }[]).map((e) => ({ ...e, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    const r = await asCrm(query);
    expect({ status: r.status, body: r.body }).toEqual({ status: 400, body: { errors: dev } });
  });

  test('a document that does not parse: one generic message at its location (development: the parser\'s)', async () => {
    const query = `{ customer(id: "${ID}") { id } } trailing`;
    expect(outcome(await post(prod.server, { query }, { authorization: `Bearer ${await token()}` })))
      .toEqual({ status: 400, body: { errors: [{ message: INVALID_SYNTAX, locations: [{ line: 1, column: 41 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] }, sql: null });
    const r = await asCrm(query);
    expect({ status: r.status, body: r.body })
      .toEqual({ status: 400, body: { errors: [{ message: 'Syntax Error: Unexpected Name "trailing".', locations: [{ line: 1, column: 41 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] } });
  });

  test('the query limits\' refusal names nothing and stays as it is', async () => {
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: __typename`).join(' ')} customer(id: "${ID}") { id nope } }`;
    expect(outcome(await post(prod.server, { query }, { authorization: `Bearer ${await token()}`, 'x-purpose': 'account_management' })))
      .toEqual({ status: 400, body: { errors: [{ message: 'Query is too complex', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, { message: INVALID_QUERY, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] }, sql: null });
  });
});

describe('token lifetime and issue time (GATEWAY_JWT_MAX_LIFETIME_S 24 h, GATEWAY_JWT_CLOCK_SKEW_S 30 s)', () => {
  const unauthenticated = (why: string) => ({ status: 401, body: refused('UNAUTHENTICATED', `Authentication failed: ${why}`), sql: null });

  test('a token issued in the future, beyond the skew: 401, naming the check, not the value', async () => {
    expect(outcome(await read(prod, await token({ iat: now() + 120 })))).toEqual(unauthenticated('token issued in the future'));
  });
  test('…within the skew (an issuer\'s clock 20 s ahead): served', async () => {
    expect(outcome(await read(prod, await token({ iat: now() + 20 })))).toEqual(SERVED);
  });
  test('a token valid for ten years: 401', async () => {
    expect(outcome(await read(prod, await token({ exp: now() + 10 * YEAR })))).toEqual(unauthenticated('token lifetime exceeds the maximum'));
  });
  test('a token valid for exactly the maximum: served; one second more: 401', async () => {
    const iat = now() - 10;
    expect(outcome(await read(prod, await token({ iat, exp: iat + 86400 })))).toEqual(SERVED);
    expect(outcome(await read(prod, await token({ iat, exp: iat + 86401 })))).toEqual(unauthenticated('token lifetime exceeds the maximum'));
  });
  test('a token without iat: 401 in production (its lifetime cannot be judged)', async () => {
    expect(outcome(await read(prod, await token({ iat: null })))).toEqual(unauthenticated('claim "iat" is missing'));
  });
  test('expired a moment ago, within the skew: served; beyond it: 401', async () => {
    expect(outcome(await read(prod, await token({ iat: now() - 600, exp: now() - 10 })))).toEqual(SERVED);
    expect(outcome(await read(prod, await token({ iat: now() - 600, exp: now() - 60 })))).toEqual(unauthenticated('token expired'));
  });
  test('both are settings: a 10-minute maximum and no skew', async () => {
    const strict = await production(keys.url, { GATEWAY_JWT_MAX_LIFETIME_S: '600', GATEWAY_JWT_CLOCK_SKEW_S: '0' });
    expect(outcome(await read(strict, await token({ exp: now() + 600 })))).toEqual(SERVED);
    expect(outcome(await read(strict, await token({ exp: now() + 3600 })))).toEqual(unauthenticated('token lifetime exceeds the maximum'));
    expect(outcome(await read(strict, await token({ iat: now() + 20 })))).toEqual(unauthenticated('token issued in the future'));
  });
  test('development: a token without iat is measured from now; ten years is refused there too', async () => {
    const dev = await new SignJWT({ roles: ['service'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('crm-service').setAudience('privacy-gateway')
      .setExpirationTime(now() + 10 * YEAR).sign(new TextEncoder().encode(TEST_SECRET));
    const r = await env.gw.gql({ token: dev, purpose: 'account_management', query: READ });
    expect(outcome(r)).toEqual(unauthenticated('token lifetime exceeds the maximum'));
  });
});

describe('the identity provider\'s key set unavailable: 503 AUTH_UNAVAILABLE within a bounded wait, not 401', () => {
  const UNAVAILABLE = {
    status: 503, body: refused('AUTH_UNAVAILABLE', 'Authentication is unavailable: the identity provider\'s key set could not be fetched; retry later'), sql: null,
  };
  async function timedRead(g: Gateway, jwt: string) {
    const started = performance.now();
    const r = await read(g, jwt);
    return { outcome: outcome(r), ms: performance.now() - started };
  }

  test('the key-set server stopped (connection refused): 503 at once; a malformed token is still 401', async () => {
    const gone = await keySetServer(serveKeys);
    await gone.close();
    const g = await production(gone.url);
    const r = await timedRead(g, await token());
    expect(r.outcome).toEqual(UNAVAILABLE);
    expect(r.ms).toBeLessThan(1_000);
    // Judged without the keys: still 401.
    expect(outcome(await read(g, 'abc.def.ghi'))).toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: malformed token'), sql: null });
    expect(outcome(await read(g, env.crm))).toEqual({ status: 401, body: refused('UNAUTHENTICATED', 'Authentication failed: token algorithm not allowed'), sql: null });
  });

  test.each([
    ['answering 500', (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(500).end('oops')],
    ['answering 200 with HTML', (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>')],
    ['answering 200 with JSON that is no key set', (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": 3}')],
    ['redirecting', (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end()],
  ])('the key-set server %s: 503', async (_name, handler) => {
    const failing = await keySetServer(handler);
    try {
      const g = await production(failing.url);
      const r = await timedRead(g, await token());
      expect(r.outcome).toEqual(UNAVAILABLE);
      expect(r.ms).toBeLessThan(1_000);
    } finally {
      await failing.close();
    }
  });

  test('the key-set server accepting connections and never answering: 503 within GATEWAY_JWKS_TIMEOUT_MS (3 s by default)', async () => {
    const silent = await keySetServer(() => undefined);
    try {
      const g = await production(silent.url);
      const [a, b] = await Promise.all([timedRead(g, await token()), timedRead(g, await token())]);
      for (const r of [a, b]) {
        expect(r.outcome).toEqual(UNAVAILABLE);
        expect(r.ms).toBeGreaterThanOrEqual(2_950);
        expect(r.ms).toBeLessThan(3_000 + 1_000);
      }
    } finally {
      await silent.close();
    }
  });

  test('the key-set server sending its headers, then stalling the body: 503 within the bound (here 1 s), and it serves again once the server is back, without a restart', async () => {
    let stall = true;
    const flaky = await keySetServer((req, res) => {
      if (!stall) return serveKeys(req, res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys": [');
    });
    try {
      const g = await production(flaky.url, { GATEWAY_JWKS_TIMEOUT_MS: '1000' });
      const r = await timedRead(g, await token());
      expect(r.outcome).toEqual(UNAVAILABLE);
      expect(r.ms).toBeGreaterThanOrEqual(950);
      expect(r.ms).toBeLessThan(2_000);
      stall = false;
      expect(outcome(await read(g, await token()))).toEqual(SERVED);
    } finally {
      await flaky.close();
    }
  });
});

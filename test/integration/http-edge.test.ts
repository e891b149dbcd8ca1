import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { outcome, post, refused, repeat } from '../support/hostile-input';
import { asCrm, env, gatewayWith, ID, productionGateway, useHostileInputGateway } from '../support/hostile-input-gateway';
import { rawExchange, RawResponse, trickle } from '../support/raw-http';
import { freePort, GatewayProcess, httpRequest, spawnGateway } from '../support/processes';
import { runtimeUrls } from '../support/test-stores';
import { ConfigError, loadConfig } from '../../src/config';
import { Gateway } from '../../src/app';

/**
 * The HTTP edge below the routes, and the operations surface (README "The request contract",
 * "Operations"; issue 16, points 2 and 5), through real HTTP, raw TCP where a client library
 * cannot send the bytes:
 *  - a request that stalls (headers or body) is answered 408 HTTP_REQUEST_TIMEOUT at its bound
 *    (measured), and what node's parser refuses (a NUL or CR in a header, 100 KB of headers, a
 *    broken request line) gets a coded JSON answer, never an echo of the request;
 *  - production serves /metrics only on its own port, and no x-sql-statements header;
 *  - the alias limit counts `__typename` aliases.
 */
useHostileInputGateway();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The whole answer node's HTTP layer gets from the gateway: coded JSON, and the connection closed. */
const edgeAnswer = (status: number, code: string, message: string): RawResponse => {
  const body = { errors: [{ message, extensions: { code } }] };
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(JSON.stringify(body))), 'cache-control': 'no-store',
      'x-request-id': expect.stringMatching(UUID) as unknown as string, connection: 'close',
    },
    body,
  };
};
const TIMED_OUT = edgeAnswer(408, 'HTTP_REQUEST_TIMEOUT', 'The request did not arrive in time');
const NOT_HTTP = edgeAnswer(400, 'BAD_REQUEST', 'The request is not valid HTTP');
const HEADERS_TOO_LARGE = edgeAnswer(431, 'HEADERS_TOO_LARGE', 'The request headers are too large');

const portOf = (server: http.Server) => (server.address() as AddressInfo).port;
const listening = async (server: http.Server) => {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return portOf(server);
};
/** A POST /graphql head announcing `length` bytes of body, with the file's crm token. */
const postHead = (length: number, extra = '') =>
  `POST /graphql HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${env.crm}\r\nX-Purpose: account_management\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

describe('request bounds: a stalled request is answered 408 HTTP_REQUEST_TIMEOUT at its bound and closed', () => {
  let port = 0;
  beforeAll(async () => {
    port = await listening(env.gw.gateway.server);
  });

  test('the documented defaults: headers within 10 s, the whole request within 30 s, answered within a second of the bound', async () => {
    const { headersTimeoutMs, requestTimeoutMs } = env.gw.config.http;
    expect([headersTimeoutMs, requestTimeoutMs]).toEqual([10_000, 30_000]);
    const body = JSON.stringify({ query: `{ customer(id: "${ID}") { id } }` });
    const [stalledBody, tricklingBody, stalledHeaders, silent] = await Promise.all([
      // headers sent, then 10 bytes of the body, then nothing
      rawExchange(port, (s) => s.write(postHead(body.length) + body.slice(0, 10))),
      // a byte every 500 ms: the bound is on the whole request, not on silence
      rawExchange(port, (s) => {
        s.write(postHead(10_000));
        trickle(s, 500);
      }),
      // half a head, then nothing
      rawExchange(port, (s) => s.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${env.crm}\r\n`)),
      // a connection that sends nothing at all
      rawExchange(port, () => undefined),
    ]);
    for (const r of [stalledBody, tricklingBody, stalledHeaders, silent]) {
      expect({ responses: r.responses, error: r.error }).toEqual({ responses: [TIMED_OUT], error: null });
      expect(r.closedAfterMs - r.answeredAfterMs!).toBeLessThan(1_000); // closed right after its answer
    }
    const measured = { stalledBody: stalledBody.answeredAfterMs!, tricklingBody: tricklingBody.answeredAfterMs!, stalledHeaders: stalledHeaders.answeredAfterMs!, silent: silent.answeredAfterMs! };
    process.stdout.write(`stall-to-answer (ms): ${JSON.stringify(Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, Math.round(v)])))}\n`);
    for (const ms of [measured.stalledBody, measured.tricklingBody]) expect(ms >= requestTimeoutMs - 50 && ms <= requestTimeoutMs + 2_000 ? 'within bound' : ms).toBe('within bound');
    for (const ms of [measured.stalledHeaders, measured.silent]) expect(ms >= headersTimeoutMs - 50 && ms <= headersTimeoutMs + 2_000 ? 'within bound' : ms).toBe('within bound');
  }, 45_000);

  describe('configured bounds (GATEWAY_HEADERS_TIMEOUT_MS=1000, GATEWAY_REQUEST_TIMEOUT_MS=2000)', () => {
    let short: Gateway;
    let shortPort = 0;
    beforeAll(async () => {
      short = await gatewayWith({ GATEWAY_HEADERS_TIMEOUT_MS: '1000', GATEWAY_REQUEST_TIMEOUT_MS: '2000' });
      shortPort = await listening(short.server);
    });

    test('a stalled body: 408 at the 2 s bound (within a second after it)', async () => {
      const r = await rawExchange(shortPort, (s) => s.write(postHead(100, '') + '{"query":'));
      expect({ responses: r.responses, error: r.error }).toEqual({ responses: [TIMED_OUT], error: null });
      expect(r.answeredAfterMs! >= 1_950 && r.answeredAfterMs! <= 4_000 ? 'within bound' : r.answeredAfterMs).toBe('within bound');
    });

    test('a request answered before its body arrived (not JSON) keeps that answer: its stalled body only closes the connection', async () => {
      const r = await rawExchange(shortPort, (s) => s.write(postHead(100).replace('application/json', 'text/plain') + '{"query":'));
      expect(r.responses).toEqual([{
        status: 415, body: refused('UNSUPPORTED_MEDIA_TYPE', 'Send the request as application/json'),
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': expect.stringMatching(UUID), 'cache-control': 'no-store', date: expect.any(String), connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked' },
      }]);
      expect(r.closedAfterMs >= 1_950 && r.closedAfterMs <= 4_000 ? 'closed at the bound' : r.closedAfterMs).toBe('closed at the bound');
    });

    test('a kept-alive connection: the next request stalling after a complete exchange gets its own 408', async () => {
      const r = await rawExchange(shortPort, (s) => {
        s.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n');
        s.once('data', () => s.write('GET /healthz HTTP/1.1\r\nHost: gat'));
      });
      expect(r.responses).toEqual([
        { status: 200, body: { status: 'ok' }, headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8', connection: 'keep-alive' }) },
        TIMED_OUT,
      ]);
    });

    test('the headers bound is at most the request bound; both are settings', () => {
      expect(() => loadConfig({ GATEWAY_HEADERS_TIMEOUT_MS: '40000' })).toThrow(new ConfigError('GATEWAY_HEADERS_TIMEOUT_MS', 'must be at most GATEWAY_REQUEST_TIMEOUT_MS (30000), got 40000'));
      expect(() => loadConfig({ GATEWAY_REQUEST_TIMEOUT_MS: '500' })).toThrow(/Invalid setting GATEWAY_REQUEST_TIMEOUT_MS: expected an integer between 1000 and 600000/);
      expect(loadConfig({ GATEWAY_HEADERS_TIMEOUT_MS: '5000', GATEWAY_REQUEST_TIMEOUT_MS: '5000' }).http).toEqual({ headersTimeoutMs: 5000, requestTimeoutMs: 5000 });
    });
  });
});

describe("what node's HTTP parser refuses gets a coded JSON answer, never an echo of the request, and the connection closed", () => {
  let port = 0;
  beforeAll(async () => {
    port = await listening(env.gw.gateway.server);
  });
  const MARK = 'ECHO-MARK-7f3a';
  const cases: [string, string | Buffer, RawResponse][] = [
    ['a NUL in a header value', `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Justification: ${MARK}\0x\r\n\r\n`, NOT_HTTP],
    ['a NUL in a header name', `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-${MARK}\0: x\r\n\r\n`, NOT_HTTP],
    ['a bare CR in a header value', `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Justification: ${MARK}\rx\r\n\r\n`, NOT_HTTP],
    ['a space in a header name', `GET /healthz HTTP/1.1\r\nHost: gateway\r\nX ${MARK}: x\r\n\r\n`, NOT_HTTP],
    ['an invalid method', `G(T /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n`, NOT_HTTP],
    ['an unknown HTTP version', `GET /healthz HTTP/7.1\r\nHost: gateway\r\n\r\n`, NOT_HTTP],
    ['Content-Length and Transfer-Encoding together (request smuggling)', `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, NOT_HTTP],
    ['an invalid chunk size', `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${MARK}\r\n`, NOT_HTTP],
    ['a 100 KB bearer token', `GET /healthz HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${MARK}${'a'.repeat(100_000)}\r\n\r\n`, HEADERS_TOO_LARGE],
    ['200 headers of 100 bytes', `GET /healthz HTTP/1.1\r\nHost: gateway\r\n${Array.from({ length: 200 }, (_, i) => `X-${MARK}-${i}: ${'b'.repeat(80)}\r\n`).join('')}\r\n`, HEADERS_TOO_LARGE],
  ];
  test.each(cases)('%s', async (_name, bytes, expected) => {
    const r = await rawExchange(port, (s) => s.write(bytes));
    expect({ responses: r.responses, error: r.error }).toEqual({ responses: [expected], error: null });
    expect(r.raw).not.toContain(MARK);
  });

  test('a request of the right size passes: a 15 KB header is served', async () => {
    const r = await rawExchange(port, (s) => s.write(`GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\nX-Filler: ${'c'.repeat(15_000)}\r\n\r\n`));
    expect(r.responses.map((x) => [x.status, x.body])).toEqual([[200, { status: 'ok' }]]);
  });
});

describe('production: /metrics on its own port only, no x-sql-statements; development keeps both', () => {
  let prod: Gateway;
  let rs256 = '';
  let jwksUrl = '';
  let closeJwks: () => Promise<void>;
  beforeAll(async () => {
    ({ gateway: prod, token: rs256, jwksUrl, close: closeJwks } = await productionGateway({ GATEWAY_METRICS_PORT: '0' }));
  });
  afterAll(() => closeJwks());

  test('settings: production has a metrics port (default 9464, not PORT); development none unless set', () => {
    const prodEnv = { GATEWAY_ENV: 'production', GATEWAY_JWKS_URL: 'https://idp.example/jwks.json', GATEWAY_DATABASE_URL: 'postgres://h/g', CRM_DATABASE_URL: 'postgres://h/c', BILLING_DATABASE_URL: 'postgres://h/b', GATEWAY_METRICS_PORT: '' };
    expect(loadConfig(prodEnv).metricsPort).toBe(9464);
    expect(loadConfig({ GATEWAY_METRICS_PORT: '' }).metricsPort).toBeNull();
    expect(loadConfig({ GATEWAY_METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(() => loadConfig({ ...prodEnv, PORT: '9464' })).toThrow(new ConfigError('GATEWAY_METRICS_PORT', 'must differ from PORT: /metrics is not served on the API port'));
  });

  test('a query: its answer has no x-sql-statements header in production (development sends it)', async () => {
    const r = await post(prod.server, { query: `{ customer(id: "${ID}") { id } }` }, { authorization: `Bearer ${rs256}`, 'x-purpose': 'account_management' });
    expect(outcome(r)).toEqual({ status: 200, body: { data: { customer: { id: ID } } }, sql: null });
    expect(r.headers['x-request-id']).toMatch(UUID);
    const dev = await asCrm(`{ customer(id: "${ID}") { id } }`);
    expect(outcome(dev)).toEqual({ status: 200, body: { data: { customer: { id: ID } } }, sql: expect.stringMatching(/^[1-9]\d*$/) });
  });

  test('GET /metrics on the API port: 404 NOT_FOUND, with or without a token', async () => {
    for (const auth of [{}, { authorization: `Bearer ${rs256}` }]) {
      const r = await request(prod.server).get('/metrics').set(auth);
      expect({ status: r.status, type: r.headers['content-type'], body: r.body }).toEqual({ status: 404, type: 'application/json; charset=utf-8', body: refused('NOT_FOUND', 'No route /metrics') });
    }
  });

  test('the metrics port serves GET /metrics, counting the API port\'s requests, and nothing else', async () => {
    const m = prod.metricsServer!;
    const r = await request(m).get('/metrics');
    expect({ status: r.status, type: r.headers['content-type'], id: r.headers['x-request-id'], sql: r.headers['x-sql-statements'] }).toEqual({
      status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', id: expect.stringMatching(UUID), sql: undefined,
    });
    expect(r.text).toMatch(/^gateway_requests_total\{operation="query:customer",outcome="ok"\} 1$/m);
    for (const route of ['/graphql', '/healthz', '/readyz', '/audit/export']) {
      const x = await request(m).get(route);
      expect({ status: x.status, body: x.body }).toEqual({ status: 404, body: refused('NOT_FOUND', `No route ${route}`) });
    }
    const p = await request(m).post('/metrics').send('x');
    expect({ status: p.status, allow: p.headers.allow, body: p.body }).toEqual({ status: 405, allow: 'GET', body: refused('METHOD_NOT_ALLOWED', 'Use GET') });
  });

  test('the metrics port keeps the same HTTP bounds and coded refusals', async () => {
    const port = await listening(prod.metricsServer!);
    const r = await rawExchange(port, (s) => s.write('GET /metrics HTTP/1.1\r\nHost: m\r\nX-A: a\0b\r\n\r\n'));
    expect({ responses: r.responses, error: r.error }).toEqual({ responses: [NOT_HTTP], error: null });
    await new Promise<void>((resolve) => prod.metricsServer!.close(() => resolve()));
  });

  test('development with GATEWAY_METRICS_PORT set: /metrics leaves the API port too', async () => {
    const dev = await gatewayWith({ GATEWAY_METRICS_PORT: '0' });
    const api = await request(dev.server).get('/metrics');
    expect({ status: api.status, body: api.body }).toEqual({ status: 404, body: refused('NOT_FOUND', 'No route /metrics') });
    expect((await request(dev.metricsServer!).get('/metrics')).status).toBe(200);
    expect((await request(env.gw.gateway.server).get('/metrics')).status).toBe(200); // the default development gateway: on PORT
  });

  describe('the production process (node dist/src/main.js)', () => {
    let proc: GatewayProcess;
    let metricsPort = 0;
    let dir = '';
    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-edge-'));
      const keyFile = path.join(dir, 'checkpoint-ed25519.pem');
      fs.writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
      metricsPort = await freePort();
      const db = env.gw.config.databases;
      proc = await spawnGateway(runtimeUrls({ gateway: db.gateway!, crm: db.crm!, billing: db.billing! }), {
        env: {
          GATEWAY_ENV: 'production', GATEWAY_JWKS_URL: jwksUrl, GATEWAY_JWT_SECRET: '', GATEWAY_CHECKPOINT_KEY_FILE: keyFile,
          GATEWAY_METRICS_PORT: String(metricsPort),
        },
      });
    });
    afterAll(async () => {
      await proc?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('listens on PORT for the API and on GATEWAY_METRICS_PORT for /metrics only', async () => {
      const auth = { authorization: `Bearer ${rs256}`, 'x-purpose': 'account_management', 'content-type': 'application/json' };
      const q = await httpRequest(proc.port, { method: 'POST', path: '/graphql', headers: auth, body: JSON.stringify({ query: `{ customer(id: "${ID}") { id } }` }) });
      expect({ status: q.status, json: q.json, sql: q.headers['x-sql-statements'] }).toEqual({ status: 200, json: { data: { customer: { id: ID } } }, sql: undefined });
      const onApi = await httpRequest(proc.port, { path: '/metrics' });
      expect({ status: onApi.status, json: onApi.json }).toEqual({ status: 404, json: refused('NOT_FOUND', 'No route /metrics') });
      const scraped = await httpRequest(metricsPort, { path: '/metrics' });
      expect(scraped.status).toBe(200);
      expect(scraped.text).toMatch(/^gateway_requests_total\{operation="query:customer",outcome="ok"\} 1$/m);
    });
  });
});

describe('the alias limit counts __typename aliases (graphql-armor exempts them by default)', () => {
  const L = () => env.gw.config.queryLimits.maxAliases;
  test('as many __typename aliases as the limit: answered', async () => {
    const r = await asCrm(`{ ${repeat(L(), (i) => `t${i}: __typename`)} }`);
    expect(outcome(r)).toEqual({ status: 200, body: { data: Object.fromEntries(Array.from({ length: L() }, (_, i) => [`t${i}`, 'Query'])) }, sql: '0' });
  });
  test.each([
    ['one __typename alias more than the limit', () => `{ ${repeat(L() + 1, (i) => `t${i}: __typename`)} }`],
    ['fields aliased as __typename', () => `{ ${repeat(L() + 1, () => `__typename: customer(id: "${ID}") { id }`)} }`],
    ['__typename aliases in a fragment spread twice', () => `{ customer(id: "${ID}") { ...A ...A } } fragment A on Customer { ${repeat(Math.floor(L() / 2) + 1, (i) => `t${i}: __typename`)} }`],
  ])('%s: 400 "Query is too complex", no store read', async (_name, query) => {
    expect(outcome(await asCrm(query()))).toEqual({ status: 400, body: refused('GRAPHQL_VALIDATION_FAILED', 'Query is too complex'), sql: '0' });
  });
});

import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestGateway, TestGateway } from '../support/gateway';

/** Health, readiness, metrics and HTTP-level bad input: coded errors with fitting statuses. */
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(() => gw.close());

const err = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

test('GET /healthz', async () => {
  const r = await request(gw.gateway.server).get('/healthz');
  expect([r.status, r.body]).toEqual([200, { status: 'ok' }]);
});

test('GET /readyz: every store reachable and migrated', async () => {
  const r = await request(gw.gateway.server).get('/readyz');
  expect([r.status, r.body]).toEqual([200, { status: 'ready', stores: { gateway: 'ok', crm: 'ok', billing: 'ok' } }]);
});

test('GET /metrics counts requests by operation and outcome', async () => {
  const token = await gw.token('crm-service');
  await gw.gql({ token, purpose: 'account_management', query: '{ customer(id: "nobody") { id } }' });
  const r = await request(gw.gateway.server).get('/metrics');
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain/);
  expect(r.text).toMatch(/^gateway_requests_total\{operation="query:customer",outcome="ok"\} 1$/m);
  expect(r.text).toMatch(/^gateway_request_duration_seconds_count\{operation="query:customer",outcome="ok"\} 1$/m);
});

function rawPost(body: Buffer): Promise<{ status: number; text: string }> {
  const { port } = gw.gateway.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': body.length } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
let token = '';

describe('bad HTTP input', () => {
  beforeAll(async () => {
    token = await gw.token('crm-service');
    await new Promise<void>((resolve) => gw.gateway.server.listen(0, '127.0.0.1', resolve));
  });
  const post = () => request(gw.gateway.server).post('/graphql').set('authorization', `Bearer ${token}`);
  test('unknown route: 404', async () => {
    const r = await request(gw.gateway.server).get('/nope');
    expect([r.status, r.body]).toEqual([404, err('NOT_FOUND', 'No route /nope')]);
  });
  test('malformed JSON: 400', async () => {
    const r = await post().set('content-type', 'application/json').send('{"query": ');
    expect([r.status, r.body]).toEqual([400, err('BAD_REQUEST', 'The request body is not valid UTF-8 JSON')]);
  });
  test('invalid UTF-8: 400', async () => {
    // Raw bytes: superagent would re-encode a Buffer body as JSON.
    const r = await rawPost(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect([r.status, JSON.parse(r.text)]).toEqual([400, err('BAD_REQUEST', 'The request body is not valid UTF-8 JSON')]);
  });
  test('wrong content type: 415', async () => {
    const r = await post().set('content-type', 'text/plain').send('{ customer(id: "x") { id } }');
    expect([r.status, r.body]).toEqual([415, err('UNSUPPORTED_MEDIA_TYPE', 'Send the request as application/json')]);
  });
  test('oversized body: 413', async () => {
    const r = await post().set('content-type', 'application/json').send(JSON.stringify({ query: `{ customer(id: "${'x'.repeat(1_100_000)}") { id } }` }));
    expect([r.status, r.body]).toEqual([413, err('PAYLOAD_TOO_LARGE', 'The request body is too large')]);
  });
  test('batched request: 400', async () => {
    const r = await post().set('content-type', 'application/json').send([{ query: '{ __typename }' }]);
    expect([r.status, r.body]).toEqual([400, err('BAD_REQUEST', 'Batched requests are not supported')]);
  });
  test('wrong method: 405', async () => {
    const r = await request(gw.gateway.server).delete('/graphql');
    expect([r.status, r.body]).toEqual([405, err('METHOD_NOT_ALLOWED', 'Use POST (or GET for queries)')]);
  });
  test('too many ids: 400 BATCH_TOO_LARGE, no data', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `cus_${i}`);
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: 'query($ids: [ID!]!) { customers(ids: $ids) { id } }', variables: { ids } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ data: null, errors: [{ message: 'customers(ids:) takes at most 100 ids', path: ['customers'], locations: [{ line: 1, column: 23 }], extensions: { code: 'BATCH_TOO_LARGE', max: 100 } }] });
  });
  test('injection-shaped id: 400 BAD_USER_INPUT', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: 'query($id: ID!) { customer(id: $id) { id } }', variables: { id: "x' OR 1=1 --" } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ data: { customer: null }, errors: [{ message: 'ids[0] is not a customer id', path: ['customer'], locations: [{ line: 1, column: 19 }], extensions: { code: 'BAD_USER_INPUT' } }] });
  });
  test('invalid GraphQL: 400 with a parse error, never a stack', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: '{ customer(id: ' });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ errors: [{ message: 'Syntax Error: Unexpected <EOF>.', locations: [{ line: 1, column: 16 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }] });
  });
});

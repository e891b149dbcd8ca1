import { SignJWT } from 'jose';
import request from 'supertest';
import { startTestGateway, TestGateway, TEST_SECRET } from '../support/gateway';
import { ADULT, insertCustomers } from '../fixtures/customers';

/** The request contract: authentication, declared purpose, roles. Whole responses asserted. */
let gw: TestGateway;
const QUERY = `{ customer(id: "${ADULT.id}") { id firstName } }`;
const key = new TextEncoder().encode(TEST_SECRET);

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT]);
});
afterAll(() => gw.close());

const err = (code: string, message: string, extra: Record<string, unknown> = {}) => ({ errors: [{ message, extensions: { code, ...extra } }] });

async function signed(claims: Record<string, unknown>, opts: { exp?: number | string; aud?: string; secret?: Uint8Array; nbf?: number } = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('crm-service').setAudience(opts.aud ?? 'privacy-gateway').setExpirationTime(opts.exp ?? '10m');
  if (opts.nbf) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(opts.secret ?? key);
}

describe('authentication', () => {
  const cases: [string, () => Promise<string | null>, string][] = [
    ['missing', async () => null, 'Authentication failed: missing Authorization header'],
    ['malformed', async () => 'not-a-jwt', 'Authentication failed: Authorization must be "Bearer <JWT>"'],
    ['expired', () => signed({ roles: ['service'] }, { exp: Math.floor(Date.now() / 1000) - 60 }), 'Authentication failed: token expired'],
    ['wrong audience', () => signed({ roles: ['service'] }, { aud: 'someone-else' }), 'Authentication failed: claim "aud" is invalid'],
    ['wrong key', () => signed({ roles: ['service'] }, { secret: new TextEncoder().encode('another-secret-another-secret-another!!') }), 'Authentication failed: signature verification failed'],
    ['alg none', async () => {
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'crm-service', aud: 'privacy-gateway', exp: Math.floor(Date.now() / 1000) + 600, roles: ['service'] })}.`;
    }, 'Authentication failed: token algorithm not allowed'],
    ['bad roles claim', () => signed({ roles: ['root'] }), 'Authentication failed: roles must be an array of service, auditor, dpo'],
  ];
  test.each(cases)('%s token: 401 UNAUTHENTICATED, no data', async (_name, make, message) => {
    const token = await make();
    const r = await request(gw.gateway.server).post('/graphql').set('content-type', 'application/json').set('x-purpose', 'account_management')
      .set(token === null ? {} : { authorization: token.includes('.') ? `Bearer ${token}` : token }).send({ query: QUERY });
    expect(r.status).toBe(401);
    expect(r.body).toEqual(err('UNAUTHENTICATED', message));
  });
});

describe('declared purpose', () => {
  test('missing X-Purpose: 400 PURPOSE_REQUIRED', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), query: QUERY });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(err('PURPOSE_REQUIRED', 'This operation reads personal data: declare a purpose in the X-Purpose header'));
  });
  test('unknown purpose: 400 UNKNOWN_PURPOSE', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'world_domination', query: QUERY });
    expect(r.status).toBe(400);
    expect(r.body).toEqual(err('UNKNOWN_PURPOSE', 'X-Purpose names no purpose of the policy pack in force', { purpose: 'world_domination' }));
  });
  test('caller not registered for the purpose: 403 PURPOSE_NOT_PERMITTED', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'marketing', query: QUERY });
    expect(r.status).toBe(403);
    expect(r.body).toEqual(err('PURPOSE_NOT_PERMITTED', 'The caller is not registered for this purpose', { purpose: 'marketing' }));
  });
  test.each(['__proto__', 'constructor', 'toString'])('a purpose named like a built-in (%s) is unknown', async (name) => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: name, query: QUERY });
    expect([r.status, r.body]).toEqual([400, err('UNKNOWN_PURPOSE', 'X-Purpose names no purpose of the policy pack in force', { purpose: name })]);
  });
  test('a caller named like a built-in is not registered for anything', async () => {
    const r = await gw.gql({ token: await gw.token('constructor'), purpose: 'account_management', query: QUERY });
    expect([r.status, r.body]).toEqual([403, err('PURPOSE_NOT_PERMITTED', 'The caller is not registered for this purpose', { purpose: 'account_management' })]);
  });
  test('purpose checks happen before any store is read', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'marketing', query: QUERY });
    expect(r.headers['x-sql-statements']).toBe('0');
  });
});

describe('roles', () => {
  test('a role rule fails: 403 FORBIDDEN, no data', async () => {
    // dpo-console is registered for data_subject_request, but its token carries only the auditor role.
    const r = await gw.gql({ token: await gw.token('dpo-console', ['auditor']), purpose: 'data_subject_request', query: QUERY });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ data: { customer: null }, errors: [{ message: "The caller's roles do not allow this operation", path: ['customer'], locations: [{ line: 1, column: 3 }], extensions: { code: 'FORBIDDEN' } }] });
  });
});

describe('a permitted read', () => {
  test('returns the customer', async () => {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: QUERY });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { customer: { id: ADULT.id, firstName: ADULT.firstName } } });
  });
});

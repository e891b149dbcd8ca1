import path from 'node:path';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createGateway, Gateway } from '../../src/app';
import { closeStores, openStores, Stores } from '../../src/stores/open-stores';
import { signDevToken } from '../../src/cli/token';
import { setLogLevel } from '../../src/log';
import { createTestDatabases, runtimeUrls } from './test-stores';

/**
 * A real gateway for one test file: its own three databases (cloned from the migrated
 * templates), the real HTTP edge, real JWT verification with a test secret. Requests go
 * through supertest over HTTP. The gateway connects as the runtime role, as deployed (so the
 * tests exercise the real grants); `stores` are the owner's connections, for fixtures and for
 * changing what the gateway's own role cannot.
 */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export interface TestGateway {
  gateway: Gateway;
  /** The owner's connections (a superuser): fixtures, tampering. */
  stores: Stores;
  /** The gateway's own connections, as the runtime role. */
  runtime: Stores;
  config: ReturnType<typeof loadConfig>;
  token(caller: string, roles?: string[]): Promise<string>;
  /** POST /graphql with the given caller, purpose and query. */
  gql(opts: { token?: string | null; purpose?: string | null; query: string; variables?: Record<string, unknown>; headers?: Record<string, string> }): Promise<request.Response>;
  close(): Promise<void>;
}

export async function startTestGateway(opts: { policy?: string; env?: Record<string, string> } = {}): Promise<TestGateway> {
  setLogLevel('silent');
  const urls = await createTestDatabases();
  const config = loadConfig({
    GATEWAY_JWT_SECRET: TEST_SECRET,
    GATEWAY_POLICY: path.resolve(__dirname, '../../policies', opts.policy ?? 'smarttech.yaml'),
    GATEWAY_DATABASE_URL: urls.gateway, CRM_DATABASE_URL: urls.crm, BILLING_DATABASE_URL: urls.billing,
    ...opts.env,
  });
  const stores = await openStores(urls, { migrate: false });
  const runtime = await openStores(runtimeUrls(urls), { migrate: false });
  const gateway = await createGateway(config, runtime);
  const token = (caller: string, roles: string[] = ['service']) => signDevToken({ caller, roles, ttlSeconds: 600, config });
  return {
    gateway, stores, runtime, config, token,
    async gql({ token: t, purpose, query, variables, headers }) {
      let r = request(gateway.server).post('/graphql').set('content-type', 'application/json');
      if (t) r = r.set('authorization', `Bearer ${t}`);
      if (purpose) r = r.set('x-purpose', purpose);
      for (const [k, v] of Object.entries(headers ?? {})) r = r.set(k, v);
      return r.send({ query, variables });
    },
    async close() {
      await gateway.close();
      await closeStores(runtime);
      await closeStores(stores);
    },
  };
}

import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startTestGateway, TestGateway, TEST_SECRET } from './gateway';
import { ADULT, insertCustomers } from '../fixtures/customers';
import { loadConfig } from '../../src/config';
import { createGateway, Gateway } from '../../src/app';

/**
 * Set-up shared by the hostile-input tests (hostile-input-query-limits, -argument-limits, -requests and -settings):
 * the file's gateway with the customer ADULT, the callers' tokens, and other gateways on the same
 * databases with some settings changed. The helpers for requests and whole outcomes are in
 * test/support/hostile-input.ts.
 */

/** The file's gateway and its callers' tokens, set in its beforeAll. */
export const env: { gw: TestGateway; crm: string; auditor: string; dpo: string } = { gw: undefined as unknown as TestGateway, crm: '', auditor: '', dpo: '' };
const extra: Gateway[] = [];

export const ID = ADULT.id;

export const asCrm = (query: string, variables?: Record<string, unknown>) => env.gw.gql({ token: env.crm, purpose: 'account_management', query, variables });
export const asAuditor = (query: string, variables?: Record<string, unknown>) => env.gw.gql({ token: env.auditor, query, variables });

/** Another gateway on the same databases, with some settings changed; closed after the file's tests. */
export async function gatewayWith(settings: Record<string, string>): Promise<Gateway> {
  const config = loadConfig({
    GATEWAY_JWT_SECRET: TEST_SECRET, GATEWAY_POLICY: path.resolve(__dirname, '../../policies/smarttech.yaml'),
    GATEWAY_DATABASE_URL: env.gw.config.databases.gateway!, CRM_DATABASE_URL: env.gw.config.databases.crm!, BILLING_DATABASE_URL: env.gw.config.databases.billing!,
    ...settings,
  });
  const g = await createGateway(config, env.gw.runtime);
  extra.push(g);
  return g;
}

/**
 * A production-mode gateway (GATEWAY_ENV=production) on the same databases, verifying RS256
 * tokens against a JWKS server of its own, and a crm-service token for it (with `iat`, which
 * production requires). `close` stops the JWKS server; the gateway closes with the file's.
 */
export async function productionGateway(settings: Record<string, string> = {}): Promise<{ gateway: Gateway; token: string; jwksUrl: string; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const gateway = await gatewayWith({ GATEWAY_ENV: 'production', GATEWAY_JWKS_URL: jwksUrl, GATEWAY_JWT_SECRET: '', ...settings });
  const token = await new SignJWT({ roles: ['service'] }).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setSubject('crm-service').setAudience('privacy-gateway')
    .setIssuedAt().setExpirationTime('10m').sign(privateKey);
  return { gateway, token, jwksUrl, close: () => new Promise<void>((resolve) => jwks.close(() => resolve())) };
}

/** Registers the file's gateway and tokens, and closes it (after any gatewayWith) when the file is done. */
export function useHostileInputGateway(): void {
  beforeAll(async () => {
    env.gw = await startTestGateway();
    await insertCustomers(env.gw.stores, [ADULT]);
    env.crm = await env.gw.token('crm-service');
    env.auditor = await env.gw.token('security-audit', ['auditor']);
    env.dpo = await env.gw.token('dpo-console', ['dpo']);
  });
  afterAll(async () => {
    for (const g of extra) await g.close();
    await env.gw.close();
  });
}

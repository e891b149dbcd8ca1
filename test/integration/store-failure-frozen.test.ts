import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { createGroupCommitWriter } from '../../src/audit/log-writer';
import { ADULT } from '../fixtures/customers';
import { childrenOf } from '../support/store-failure';
import { DIR, healthz, PROMPT_MS, read, readyz, useFailureGateway, waitReady } from '../support/store-failure-gateway';

/**
 * Failure and recovery (issue 6, item 2), when PostgreSQL stops answering. A gateway process
 * runs over a PostgreSQL of this file's own (useFailureGateway), which is frozen (SIGSTOP:
 * connections stay open and nothing answers, as when a host vanishes), then thawed, the gateway
 * process running throughout: /readyz answers 503 within its bound instead of hanging, /healthz
 * stays 200, and the gateway serves again by itself. The access-log writer likewise refuses an
 * append it cannot commit in time. Refused connections, a stopped server and the restart are in
 * store-failure-refused.test.ts.
 */
useFailureGateway();

describe('PostgreSQL frozen (connections open, nothing answers: a host gone without closing its sockets)', () => {
  let pids: number[] = [];
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  beforeAll(async () => {
    await read(); // pooled connections to every store are open
    const postmaster = Number(fs.readFileSync(path.join(DIR, 'postmaster.pid'), 'utf8').split('\n')[0]);
    pids = [postmaster, ...childrenOf(postmaster)];
    signal('SIGSTOP');
  });
  afterAll(() => signal('SIGCONT'));

  test('/readyz answers 503 within its bound instead of hanging, and again on the next probe; /healthz stays 200', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await readyz();
      expect({ status: r.status, body: r.json }).toEqual({ status: 503, body: { status: 'not ready', stores: { gateway: 'unreachable', crm: 'unreachable', billing: 'unreachable' } } });
      expect(r.endedAt - r.startedAt).toBeLessThan(PROMPT_MS);
    }
    expect((await healthz()).status).toBe(200);
  });

  test('thawed: ready and serving again by itself', async () => {
    signal('SIGCONT');
    await waitReady(15_000);
    expect((await read()).status).toBe(200);
  });
});

test('the access-log writer refuses an append it cannot commit in time (a database that stopped answering)', async () => {
  const hung = { transaction: () => new Promise<never>(() => undefined) } as unknown as DataSource;
  const writer = createGroupCommitWriter(hung, { commitTimeoutMs: 300 });
  const meta = { requestId: 'r1', caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, clientAddress: null, policyHash: 'h', at: new Date() };
  const record = { customerId: ADULT.id, typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW' as const, reason: null, rule: null };
  const started = performance.now();
  await expect(writer.append(meta, [record])).rejects.toThrow('access-log commit timed out');
  expect(performance.now() - started).toBeLessThan(2_000);
});

import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { Client } from 'pg';
import { createTestDatabases, runtimeUrls } from '../support/test-stores';
import { TEST_SECRET } from '../support/gateway';
import { signDevToken } from '../../src/cli/token';
import { loadConfig } from '../../src/config';
import { ADULT, MINOR, insertCustomers } from '../fixtures/customers';
import { closeStores, openStores } from '../../src/stores/open-stores';

/**
 * Crash test: the gateway runs as its own process (the compiled dist/, built by `pretest`) under
 * concurrent load and is killed with SIGKILL. Afterwards, every personal value any client
 * received has its access-log entry: a response leaves only after its log batch committed.
 */
const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

function startGateway(urls: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: '0', GATEWAY_JWT_SECRET: TEST_SECRET, GATEWAY_DATABASE_URL: urls.gateway, CRM_DATABASE_URL: urls.crm, BILLING_DATABASE_URL: urls.billing, LOG_LEVEL: 'info',
        GATEWAY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-crash-')) }, // its checkpoints stay out of the developer's .data
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let buf = '';
    child.stderr!.on('data', (c) => {
      buf += c;
      const m = /"msg":"listening","url":"http:\/\/[^:]+:(\d+)\//.exec(buf);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited early (${code}): ${buf.slice(-500)}`)));
  });
}

interface Received { requestId: string; firstName: string | null; email: string | null }

function read(port: number, token: string, id: string, agent: http.Agent): Promise<Received | null> {
  const body = JSON.stringify({ query: `{ customer(id: "${id}") { firstName emails { address } } }` });
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'account_management' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        try {
          const data = JSON.parse(text).data?.customer;
          resolve(res.statusCode === 200 && data ? { requestId: String(res.headers['x-request-id']), firstName: data.firstName, email: data.emails[0]?.address ?? null } : null);
        } catch {
          resolve(null); // cut off mid-body by the kill: nothing usable was received
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

test('SIGKILL under load: every value a client received is in the access log', async () => {
  const urls = await createTestDatabases();
  const stores = await openStores(urls, { migrate: false });
  await insertCustomers(stores, [ADULT, MINOR]);
  await closeStores(stores);
  const { child, port } = await startGateway(runtimeUrls(urls));
  const token = await signDevToken({ caller: 'crm-service', roles: ['service'], ttlSeconds: 600, config: loadConfig({ GATEWAY_JWT_SECRET: TEST_SECRET }) });
  const received: Received[] = [];
  let stop = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const clients = Array.from({ length: 16 }, async (_, i) => {
    while (!stop) {
      const r = await read(port, token, i % 2 ? ADULT.id : MINOR.id, agent);
      if (r) received.push(r);
      else if (stop) break;
    }
  });
  // Kill once a good number of responses went out, while requests are still in flight.
  while (received.length < 200) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  stop = true;
  await Promise.all(clients);
  agent.destroy();

  const client = new Client({ connectionString: urls.gateway });
  await client.connect();
  const { rows } = await client.query(
    `SELECT request_id, array_agg(DISTINCT category ORDER BY category) AS categories FROM access_log_entries WHERE request_id = ANY($1) AND effect = 'ALLOW' GROUP BY request_id`,
    [received.map((r) => r.requestId)],
  );
  await client.end();
  const logged = new Map(rows.map((r) => [r.request_id, r.categories]));
  const missing = received.filter((r) => logged.get(r.requestId)?.join(',') !== 'contact.email,identity.name');
  expect(received.every((r) => r.firstName !== null && r.email !== null)).toBe(true);
  expect(missing).toEqual([]);
  expect(received.length).toBeGreaterThanOrEqual(200);
}, 120_000);

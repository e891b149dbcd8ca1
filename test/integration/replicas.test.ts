import http from 'node:http';
import { createTestDatabases, runtimeUrls } from '../support/test-stores';
import { closeStores, openStores } from '../../src/stores/open-stores';
import { dataSourceFor, StoreName } from '../../ormconfig';
import { verifyChain } from '../../src/audit/verify-chain';
import { ADULT, MINOR, grantConsent, insertCustomers } from '../fixtures/customers';
import { GatewayProcess, graphql, httpRequest, HttpResult, spawnGateway, tokenFor } from '../support/processes';

/**
 * Several replicas (issue 6, item 3). Two gateway processes (dist/src/main.js) on the same three
 * databases behave as one: they keep no customer state of their own (state is read per request
 * from the gateway database), and their access-log writers serialise on one advisory lock, so
 * the hash chain stays one line whichever process commits a batch.
 */
jest.setTimeout(180_000);

let urls: Record<StoreName, string>;
let A: GatewayProcess;
let B: GatewayProcess;
let tokens: Record<'crm' | 'billing' | 'marketing' | 'dpo', string>;
const agents = new Map<number, http.Agent>();
/** Request ids of every answer each process gave, to find them in the access log. */
const answered = new Map<GatewayProcess, Set<string>>();
/** Request ids of answers that decided nothing (a consent mutation): they have no access-log rows. */
const undecided = new Set<string>();

const CUSTOMER = `{ customer(id: "${ADULT.id}") { id firstName emails { address } } }`;
const ALLOWED = { data: { customer: { id: ADULT.id, firstName: ADULT.firstName, emails: [{ address: ADULT.email }] } } };
const WITHDRAW = `mutation { withdrawConsent(customerId: "${ADULT.id}", purpose: "marketing", source: "email") { kind action purpose recordedBy } }`;

async function ask(p: GatewayProcess, token: string, purpose: string | null, query: string): Promise<HttpResult> {
  const r = await graphql(p.port, { token, purpose, query, agent: agents.get(p.port), timeoutMs: 20_000 });
  answered.get(p)!.add(String(r.headers['x-request-id']));
  return r;
}
const marketingRead = (p: GatewayProcess) => ask(p, tokens.marketing, 'marketing', CUSTOMER);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Σ gateway_decisions_total over effects, from a process's /metrics. */
async function decisionsCounted(p: GatewayProcess): Promise<number> {
  const r = await httpRequest(p.port, { path: '/metrics' });
  return r.text.split('\n').filter((l) => l.startsWith('gateway_decisions_total{')).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

beforeAll(async () => {
  urls = await createTestDatabases();
  const stores = await openStores(urls, { migrate: false });
  try {
    await insertCustomers(stores, [ADULT, MINOR]);
    await grantConsent(stores, ADULT.id, 'marketing');
  } finally {
    await closeStores(stores);
  }
  // The per-caller rate limit is per replica and in memory; this test measures the chain, not the limit.
  const env = { GATEWAY_RATE_LIMIT_RPS: '0' };
  [A, B] = await Promise.all([spawnGateway(runtimeUrls(urls), { env }), spawnGateway(runtimeUrls(urls), { env })]);
  for (const p of [A, B]) {
    agents.set(p.port, new http.Agent({ keepAlive: true, maxSockets: 8 }));
    answered.set(p, new Set());
  }
  tokens = {
    crm: await tokenFor('crm-service', ['service']),
    billing: await tokenFor('billing-service', ['service']),
    marketing: await tokenFor('marketing-service', ['service']),
    dpo: await tokenFor('dpo-console', ['dpo']),
  };
});

afterAll(async () => {
  for (const agent of agents.values()) agent.destroy();
  await Promise.all([A?.stop(), B?.stop()]);
});

test('two processes on one database, each on its own port', () => {
  expect(A.port).not.toBe(B.port);
  expect(A.child.pid).not.toBe(B.child.pid);
});

test('a consent withdrawn through A is honoured by B for every request that starts after the withdrawal answered', async () => {
  const results: HttpResult[] = [];
  let stop = false;
  // Four clients read the customer's marketing data from B without pause, before, during and after the withdrawal.
  const clients = Array.from({ length: 4 }, async () => {
    while (!stop) results.push(await marketingRead(B));
  });
  try {
    while (results.filter((r) => r.status === 200 && (r.json as typeof ALLOWED).data.customer.firstName !== null).length < 20) await sleep(5);
    const withdrawal = await ask(A, tokens.dpo, null, WITHDRAW);
    undecided.add(String(withdrawal.headers['x-request-id']));
    expect({ status: withdrawal.status, body: withdrawal.json }).toEqual({
      status: 200, body: { data: { withdrawConsent: { kind: 'consent', action: 'withdraw', purpose: 'marketing', recordedBy: 'dpo-console' } } },
    });
    while (results.filter((r) => r.startedAt > withdrawal.endedAt).length < 40) await sleep(5);
    stop = true;
    await Promise.all(clients);

    // Before the withdrawal was sent, B served the data (it was read successfully just before).
    const before = results.filter((r) => r.endedAt < withdrawal.startedAt);
    expect(before.length).toBeGreaterThanOrEqual(20);
    for (const r of before) expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: ALLOWED });

    // Every request B received after A's answer arrived is refused for CONSENT_WITHDRAWN, values withheld.
    const after = results.filter((r) => r.startedAt > withdrawal.endedAt);
    expect(after.length).toBeGreaterThanOrEqual(40);
    const denied = {
      data: { customer: { id: ADULT.id, firstName: null, emails: null } },
      errors: [
        { message: 'Not available for this purpose: CONSENT_WITHDRAWN', locations: [{ line: 1, column: 37 }], path: ['customer', 'firstName'],
          extensions: { code: 'FORBIDDEN_BY_POLICY', reason: 'CONSENT_WITHDRAWN', category: 'identity.name', rule: 'purposes.marketing.lawful_basis' } },
        { message: 'Not available for this purpose: CONSENT_WITHDRAWN', locations: [{ line: 1, column: 47 }], path: ['customer', 'emails'],
          extensions: { code: 'FORBIDDEN_BY_POLICY', reason: 'CONSENT_WITHDRAWN', category: 'contact.email', rule: 'purposes.marketing.lawful_basis' } },
      ],
    };
    for (const r of after) {
      expect({ status: r.status, body: r.json }).toEqual({ status: 200, body: denied });
      expect(r.text).not.toContain(ADULT.email);
    }
  } finally {
    stop = true;
    await Promise.all(clients);
  }
});

test('the access-log chain stays valid with both processes writing concurrently', async () => {
  const reads: [string, string, string][] = [
    [tokens.crm, 'account_management', `{ customer(id: "${ADULT.id}") { id firstName lastName emails { address } phones { number } } }`],
    [tokens.crm, 'account_management', `{ customers(ids: ["${ADULT.id}", "${MINOR.id}"]) { id firstName nationalId } }`],
    [tokens.billing, 'payment', `{ customer(id: "${MINOR.id}") { firstName bankAccounts { accountNumber } orders { total } } }`],
    [tokens.marketing, 'marketing', CUSTOMER],
  ];
  const statuses: Record<string, number> = {};
  const until = performance.now() + 4_000;
  const client = async (p: GatewayProcess, i: number) => {
    for (let n = i; performance.now() < until; n++) {
      const [token, purpose, query] = reads[n % reads.length];
      const r = await ask(p, token, purpose, query);
      const key = `${r.status}${(r.json as { errors?: { extensions: { code: string } }[] }).errors?.some((e) => e.extensions.code !== 'FORBIDDEN_BY_POLICY') ? ' error' : ''}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  };
  await Promise.all([A, B].flatMap((p) => Array.from({ length: 6 }, (_, i) => client(p, i))));
  // Every answer was a 200 with at most field-level denials.
  expect(Object.keys(statuses)).toEqual(['200']);
  expect(statuses['200']).toBeGreaterThan(100);

  const ds = dataSourceFor('gateway', urls.gateway);
  await ds.initialize();
  try {
    const result = await verifyChain(ds);
    expect(result).toMatchObject({ ok: true, firstBroken: null, anchor: null });
    const [{ rows }] = await ds.query('SELECT count(*)::int AS rows FROM access_log');
    expect(result.rows).toBe(rows);
    // Every decision either process made (its own count, /metrics, per category) is one entry of the one log.
    const [{ entries }] = await ds.query('SELECT count(*)::int AS entries FROM access_log_entries');
    expect(entries).toBe((await decisionsCounted(A)) + (await decisionsCounted(B)));

    // Every answer of both processes has its entries.
    for (const p of [A, B]) {
      const ids = [...answered.get(p)!].filter((id) => !undecided.has(id));
      const [{ logged }] = await ds.query('SELECT count(DISTINCT request_id)::int AS logged FROM access_log WHERE request_id = ANY($1)', [ids]);
      expect(logged).toBe(ids.length);
    }

    // Each batch is one process's; in chain order the batches of the two interleave.
    const batches: { id: string; ids: string[] }[] = await ds.query(
      `SELECT b.id::text AS id, array_agg(DISTINCT l.request_id) AS ids FROM access_log_batches b JOIN access_log l ON l.batch_id = b.id AND l.logged_at = b.logged_at
       GROUP BY b.id ORDER BY min(b.chain_seq)`);
    const owners = batches.map((b) => {
      const owner = b.ids.every((id) => answered.get(A)!.has(id)) ? 'A' : b.ids.every((id) => answered.get(B)!.has(id)) ? 'B' : 'mixed';
      return owner;
    });
    expect(owners).not.toContain('mixed');
    const switches = owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length;
    expect(owners.filter((o) => o === 'A').length).toBeGreaterThan(5);
    expect(owners.filter((o) => o === 'B').length).toBeGreaterThan(5);
    expect(switches).toBeGreaterThanOrEqual(4);
    console.log(`replicas: ${statuses['200']} reads in 4 s, ${rows} log rows in ${batches.length} batches, ${switches} switches between processes`);
  } finally {
    await ds.destroy();
  }
});

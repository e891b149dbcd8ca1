import { AddressInfo } from 'node:net';
import { createGateway, Gateway } from '../src/app';
import { AccessLogWriter } from '../src/audit/log-writer';
import { loadSubjects } from '../src/stores/demo/loader';
import { customerId } from '../src/stores/demo/generator';
import { signDevToken } from '../src/cli/token';
import { drive, summary } from './harness';
import { BenchEnv } from './setup';

/**
 * Enforcement and logging cost on `customers(ids: 100)` with every field, three builds served
 * from one process over the same databases, rounds alternating so noise hits all alike:
 *   unenforced  - same schema and resolvers, no decisions, no log (bench-only build);
 *   enforced    - plan + decide per field, access log replaced by a no-op writer;
 *   enforced+log - the real gateway: decisions committed to the access log before responding.
 */
export const EVERY_FIELD = `id source collectedAt firstName middleName lastName alias dateOfBirth gender nationality nationalId passportNumber
  emails { id address primary } phones { id number kind } addresses { id line1 line2 city postcode country }
  socialAccounts { id platform handle } accounts { id username loginEvents { id ipAddress userAgent occurredAt } }
  communications { id channel subject body occurredAt } callLogs { id phoneNumber direction startedAt durationSeconds }
  healthDeclarations { id visitedAt temperatureC symptoms exposure vaccinationStatus testResult recentTravel }
  bankAccounts { id bankName accountHolder accountNumber } paymentCards { id token last4 brand expiry }
  orders { id orderedAt total currency status items } invoices { id invoiceNumber issuedAt billingName billingAddress taxId amount }`;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 30);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SEED = 99;
const noopWriter: AccessLogWriter = { append: async () => undefined, close: async () => undefined };

const fmt = (s: ReturnType<typeof summary>) => `p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  ${s.rps.toFixed(1)} req/s`;

/** One response of the enforced build: how many values it carried and how many fields it denied. */
async function responseShape(g: Gateway, opts: { body: string; headers: Record<string, string> }): Promise<{ values: number; errors: number }> {
  const { port } = g.server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...opts.headers }, body: opts.body });
  const json = (await res.json()) as { data: unknown; errors?: unknown[] };
  let values = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    else if (v !== null) values++;
  };
  walk(json.data);
  return { values, errors: json.errors?.length ?? 0 };
}

export async function benchEnforcement(env: BenchEnv): Promise<void> {
  await loadSubjects(env.stores, { subjects: 100, seed: SEED, now: new Date('2026-11-01T00:00:00Z'), consentPurposes: ['marketing'] });
  const builds: Record<string, Gateway> = {
    unenforced: await createGateway(env.config, env.stores, { enforce: false, logWriter: noopWriter }),
    enforced: await createGateway(env.config, env.stores, { enforce: true, logWriter: noopWriter }),
    'enforced+log': await createGateway(env.config, env.stores, { enforce: true }),
  };
  for (const g of Object.values(builds)) await new Promise<void>((r) => g.server.listen(0, '127.0.0.1', r));
  const ids = Array.from({ length: 100 }, (_, i) => customerId(i, SEED));
  const body = (n: number) => JSON.stringify({ query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids: ids.slice(0, n) } });
  // The typical service call: one customer, a dozen fields (a billing or support lookup).
  const single = (i: number) => JSON.stringify({ query: `query($id: ID!) { customer(id: $id) { id firstName lastName emails { address } phones { number } addresses { line1 city postcode } orders { total status } } }`, variables: { id: ids[i % 100] } });
  const scenarios = [
    { name: 'customers(ids: 100), every field, dpo-console / data_subject_request (most fields allowed)', caller: 'dpo-console', roles: ['dpo'], purpose: 'data_subject_request', body: body(100), requests: PER_ROUND, concurrency: CONCURRENCY },
    { name: 'customers(ids: 100), every field, marketing-service / marketing (most fields denied)', caller: 'marketing-service', roles: ['service'], purpose: 'marketing', body: body(100), requests: PER_ROUND, concurrency: CONCURRENCY },
    { name: 'customer(id), 12 fields, crm-service / account_management (the typical call), 16 clients', caller: 'crm-service', roles: ['service'], purpose: 'account_management', body: single(7), requests: PER_ROUND * 20, concurrency: 16 },
  ];
  console.log(`## Enforcement and logging cost; ${ROUNDS} alternating rounds per build\n`);
  for (const s of scenarios) {
    const headers = { authorization: `Bearer ${await signDevToken({ caller: s.caller, roles: s.roles, ttlSeconds: 3600, config: env.config })}`, 'x-purpose': s.purpose };
    const opts = { requests: s.requests, concurrency: s.concurrency, body: s.body, headers };
    const lat: Record<string, number[]> = {};
    const secs: Record<string, number> = {};
    let errors = 0;
    let sql = 0;
    for (const [name, g] of Object.entries(builds)) await drive(g.server, { ...opts, requests: 8 }); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, g] of Object.entries(builds)) {
        const res = await drive(g.server, opts);
        (lat[name] ??= []).push(...res.latenciesMs);
        secs[name] = (secs[name] ?? 0) + res.seconds;
        errors += res.errors;
        if (name === 'enforced+log') sql = res.sqlStatements;
      }
    }
    const sqlTwo = s.body === single(7) ? sql : (await drive(builds['enforced+log'].server, { ...opts, body: body(2), requests: 1, concurrency: 1 })).sqlStatements;
    const sum = (name: string) => summary({ latenciesMs: lat[name].sort((a, b) => a - b), seconds: secs[name], errors: 0, sqlStatements: 0 });
    const u = sum('unenforced');
    const e = sum('enforced');
    const l = sum('enforced+log');
    const shape = await responseShape(builds.enforced, opts);
    console.log(`${s.name}: ${shape.values} values, ${shape.errors} denied fields per response`);
    console.log(`  unenforced     ${fmt(u)}`);
    console.log(`  enforced       ${fmt(e)}   (no-op access log)`);
    console.log(`  enforced+log   ${fmt(l)}   SQL statements/request: ${sql}${s.body === single(7) ? '' : ` for 100 ids, ${sqlTwo} for 2 ids`}`);
    console.log(`  enforcement:   p50 ${(e.p50 / u.p50).toFixed(2)}x unenforced (target <= 1.25x), p99 ${(e.p99 / u.p99).toFixed(2)}x`);
    console.log(`  access log:    p50 ${(l.p50 / e.p50).toFixed(2)}x no-op writer (target <= 1.15x), p99 ${(l.p99 / e.p99).toFixed(2)}x`);
    console.log(`  whole gateway: p50 ${(l.p50 / u.p50).toFixed(2)}x unenforced, throughput ${(l.rps / u.rps).toFixed(2)}x; errors ${errors}\n`);
  }
  for (const g of Object.values(builds)) await g.close();
}

import '../src/boot';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { startEmbeddedPostgres, ensureDatabases } from '../src/db/embedded-postgres';
import { closeStores, openStores } from '../src/stores/open-stores';
import { createGateway, Gateway } from '../src/app';
import { loadSubjects } from '../src/stores/demo/loader';
import { customerId } from '../src/stores/demo/generator';
import { signDevToken } from '../src/cli/token';
import { setLogLevel } from '../src/log';
import { drive, summary } from './harness';

/**
 * `npm run bench`: enforcement cost. The same schema and resolvers served twice from one process
 * over the same databases: enforced (plan, decide per field, access log) and a bench-only build
 * without enforcement. Rounds alternate between the two so machine noise hits both alike; the
 * printed ratios are what to compare across machines, not the absolute numbers.
 */
const EVERY_FIELD = `id source collectedAt firstName middleName lastName alias dateOfBirth gender nationality nationalId passportNumber
  emails { id address primary } phones { id number kind } addresses { id line1 line2 city postcode country }
  socialAccounts { id platform handle } accounts { id username loginEvents { id ipAddress userAgent occurredAt } }
  communications { id channel subject body occurredAt } callLogs { id phoneNumber direction startedAt durationSeconds }
  healthDeclarations { id visitedAt temperatureC symptoms exposure vaccinationStatus testResult recentTravel }
  bankAccounts { id bankName accountHolder accountNumber } paymentCards { id token last4 brand expiry }
  orders { id orderedAt total currency status items } invoices { id invoiceNumber issuedAt billingName billingAddress taxId amount }`;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const SEED = 99;

async function listen(g: Gateway): Promise<void> {
  await new Promise<void>((resolve) => g.server.listen(0, '127.0.0.1', resolve));
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const dir = path.join(PROJECT_ROOT, '.data', 'bench-pg');
  const cluster = await startEmbeddedPostgres({ dir, port: Number(process.env.BENCH_PG_PORT ?? 54420) });
  try {
    await ensureDatabases(cluster.adminUrl, ['bench_gateway', 'bench_crm', 'bench_billing']);
    const urls = { gateway: cluster.urlFor('bench_gateway'), crm: cluster.urlFor('bench_crm'), billing: cluster.urlFor('bench_billing') };
    const config = loadConfig({ GATEWAY_JWT_SECRET: 'bench-secret-bench-secret-bench-secret!', GATEWAY_DATABASE_URL: urls.gateway, CRM_DATABASE_URL: urls.crm, BILLING_DATABASE_URL: urls.billing });
    const stores = await openStores(urls, { migrate: true });
    await loadSubjects(stores, { subjects: 100, seed: SEED, now: new Date('2026-11-01T00:00:00Z'), consentPurposes: ['marketing'] });
    const enforced = await createGateway(config, stores);
    const bare = await createGateway(config, stores, { enforce: false });
    await Promise.all([listen(enforced), listen(bare)]);

    const ids = Array.from({ length: 100 }, (_, i) => customerId(i, SEED));
    const body = (n: number) => JSON.stringify({ query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids: ids.slice(0, n) } });
    const scenarios = [
      { name: 'dpo-console / data_subject_request (every field allowed)', caller: 'dpo-console', roles: ['dpo'], purpose: 'data_subject_request' },
      { name: 'marketing-service / marketing (most fields denied)', caller: 'marketing-service', roles: ['service'], purpose: 'marketing' },
    ];
    console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
    console.log(`customers(ids: 100) with every field; ${ROUNDS} alternating rounds x ${PER_ROUND} requests, ${CONCURRENCY} concurrent clients\n`);
    for (const s of scenarios) {
      const headers = { authorization: `Bearer ${await signDevToken({ caller: s.caller, roles: s.roles, ttlSeconds: 3600, config })}`, 'x-purpose': s.purpose };
      const opts = (n: number) => ({ requests: PER_ROUND, concurrency: CONCURRENCY, body: body(n), headers });
      await drive(enforced.server, { ...opts(100), requests: 10 });
      await drive(bare.server, { ...opts(100), requests: 10 });
      const runs = { enforced: [] as number[], bare: [] as number[], enforcedSeconds: 0, bareSeconds: 0, errors: 0, sql: 0 };
      for (let r = 0; r < ROUNDS; r++) {
        const e = await drive(enforced.server, opts(100));
        const b = await drive(bare.server, opts(100));
        runs.enforced.push(...e.latenciesMs);
        runs.bare.push(...b.latenciesMs);
        runs.enforcedSeconds += e.seconds;
        runs.bareSeconds += b.seconds;
        runs.errors += e.errors + b.errors;
        runs.sql = e.sqlStatements;
      }
      const sqlTwo = (await drive(enforced.server, { ...opts(2), requests: 1, concurrency: 1 })).sqlStatements;
      const e = summary({ latenciesMs: runs.enforced.sort((a, b) => a - b), seconds: runs.enforcedSeconds, errors: 0, sqlStatements: runs.sql });
      const b = summary({ latenciesMs: runs.bare.sort((a, b) => a - b), seconds: runs.bareSeconds, errors: 0, sqlStatements: 0 });
      console.log(s.name);
      console.log(`  enforced:    p50 ${e.p50.toFixed(1)} ms  p99 ${e.p99.toFixed(1)} ms  ${e.rps.toFixed(1)} req/s  SQL statements/request: ${runs.sql} (100 ids), ${sqlTwo} (2 ids)`);
      console.log(`  unenforced:  p50 ${b.p50.toFixed(1)} ms  p99 ${b.p99.toFixed(1)} ms  ${b.rps.toFixed(1)} req/s`);
      console.log(`  ratio enforced/unenforced: p50 ${(e.p50 / b.p50).toFixed(2)}x (target <= 1.25x)  p99 ${(e.p99 / b.p99).toFixed(2)}x  throughput ${(e.rps / b.rps).toFixed(2)}x  errors ${runs.errors}\n`);
    }
    await enforced.close();
    await bare.close();
    await closeStores(stores);
  } finally {
    await cluster.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

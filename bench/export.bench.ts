import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AddressInfo } from 'node:net';
import { createGateway } from '../src/app';
import { LogEntrySet, writeBatch } from '../src/audit/batch-insert';
import { loadPack } from '../src/policy/load-pack';
import { signDevToken } from '../src/cli/token';
import { BenchEnv } from './setup';

/**
 * The right-to-access export of one customer with a long history: 100,000 access-log entries
 * (written through writeBatch in chunks, so the hash chain stays valid) and 10,000 orders. The
 * JSON export is read over HTTP and thrown away as it arrives; RSS is sampled every 10 ms and
 * its peak growth over the baseline taken just before the request is reported (target < 100 MB:
 * the export streams, so memory must not grow with the history). The HTML export and the
 * in-memory GraphQL subjectExport are measured the same way, for comparison.
 */
const CUSTOMER = 'cus_bench_export';
const LOG_ROWS = Number(process.env.BENCH_EXPORT_LOG_ROWS ?? 100_000);
const ORDERS = Number(process.env.BENCH_EXPORT_ORDERS ?? 10_000);
const RUNS = Number(process.env.BENCH_EXPORT_RUNS ?? 3);
const TARGET_MB = 100;
const MB = 1024 * 1024;

/** A `gc()` without --expose-gc on the command line, so the baseline is taken on a settled heap. */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

async function seed(env: BenchEnv): Promise<void> {
  await env.stores.crm.query(
    `INSERT INTO customers (id, first_name, last_name, date_of_birth, gender, nationality, national_id, source, collected_at)
     VALUES ($1, 'Bench', 'Export', '1985-04-12', 'female', 'TH', '1101700209876', 'signup_form', now() - interval '400 days') ON CONFLICT DO NOTHING`, [CUSTOMER]);
  await env.stores.crm.query(`INSERT INTO emails (customer_id, address, "primary", source, collected_at) VALUES ($1, 'bench.export@example.test', true, 'signup_form', now())`, [CUSTOMER]);
  await env.stores.billing.query(
    `INSERT INTO orders (customer_id, ordered_at, total, currency, status, items, source, collected_at)
     SELECT $1, now() - g * interval '1 hour', (g % 5000) + 0.99, 'THB', 'delivered', g || ' x bench widget, ' || (g % 7) || ' x cable', 'checkout', now() - g * interval '1 hour'
     FROM generate_series(1, $2::int) g`, [CUSTOMER, ORDERS]);
  // The access log: who read this customer, over a year, in chained batches of 10,000 rows.
  const callers = [
    ['crm-service', 'account_management', ['identity.name', 'contact.email', 'contact.phone', 'account.username']],
    ['billing-service', 'payment', ['identity.name', 'financial.bank_account', 'financial.payment_card', 'financial.order']],
    ['support-service', 'after_sales', ['identity.name', 'contact.email', 'contact.phone', 'contact.address', 'financial.order']],
    ['marketing-service', 'marketing', ['identity.name', 'contact.email', 'technical.cookie_id']],
    ['security-service', 'terms_compliance', ['technical.ip_address', 'technical.user_agent', 'technical.activity_time']],
  ] as const;
  const hash = loadPack(env.config.policyPath).hash;
  const start = Date.now() - 365 * 86_400_000;
  for (let done = 0; done < LOG_ROWS; done += 10_000) {
    // One entry per request (each request its own time, caller and purpose).
    const sets: LogEntrySet[] = [];
    for (let i = done; i < Math.min(done + 10_000, LOG_ROWS); i++) {
      const [caller, purpose, categories] = callers[i % callers.length];
      const category = categories[Math.floor(i / callers.length) % categories.length];
      const effect = i % 11 === 0 ? 'DENY' : category === 'financial.bank_account' ? 'MASK' : 'ALLOW';
      sets.push({
        meta: { at: new Date(start + i * 300_000), requestId: `bench-export-${i}`, caller, roles: ['service'], purpose, justification: null, clientAddress: '10.0.0.7', policyHash: hash },
        records: [{ customerId: CUSTOMER, typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category, effect, reason: effect === 'DENY' ? 'NO_CONSENT' : null, rule: `purposes.${purpose}.lawful_basis` }],
      });
    }
    await writeBatch(env.stores.gateway, sets);
  }
}

interface Measured {
  ms: number;
  bytes: number;
  status: number;
  peakRssMb: number;
  peakHeapMb: number;
}

/** One request; the body is counted and dropped as it arrives. RSS and heap are sampled every 10 ms. */
async function measure(port: number, opts: { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string }, gc: () => void): Promise<Measured> {
  gc();
  gc();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, 10);
  const t0 = process.hrtime.bigint();
  try {
    const { status, bytes } = await new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(opts.body);
    });
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
    return { ms: Number(process.hrtime.bigint() - t0) / 1e6, bytes, status, peakRssMb: (peakRss - base.rss) / MB, peakHeapMb: (peakHeap - base.heapUsed) / MB };
  } finally {
    clearInterval(timer);
  }
}

const line = (name: string, runs: Measured[]) => {
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  const rss = Math.max(...runs.map((r) => r.peakRssMb));
  const heap = Math.max(...runs.map((r) => r.peakHeapMb));
  const bad = runs.filter((r) => r.status !== 200).length;
  return `  ${name.padEnd(22)} ${(runs[0].bytes / MB).toFixed(1).padStart(5)} MB in p50 ${ms[Math.floor(ms.length / 2)].toFixed(0)} ms (min ${ms[0].toFixed(0)}, max ${ms[ms.length - 1].toFixed(0)});`
    + ` peak growth RSS ${rss.toFixed(1)} MB, heap ${heap.toFixed(1)} MB${bad ? `; ${bad} non-200` : ''}`;
};

export async function benchExport(env: BenchEnv): Promise<void> {
  const gc = gcFunction();
  const t0 = Date.now();
  await seed(env);
  const seeded = Date.now() - t0;
  const gateway = await createGateway(env.config, env.stores, { enforce: true });
  await new Promise<void>((r) => gateway.server.listen(0, '127.0.0.1', r));
  const port = (gateway.server.address() as AddressInfo).port;
  const token = await signDevToken({ caller: 'dpo-console', roles: ['dpo'], ttlSeconds: 3600, config: env.config });
  const headers = { authorization: `Bearer ${token}`, 'x-purpose': 'data_subject_request' };
  const [{ recipients }] = await env.stores.gateway.query(
    `SELECT count(*)::int AS recipients FROM (SELECT 1 FROM access_log WHERE customer_id = $1 AND effect IN ('ALLOW','MASK') GROUP BY caller, purpose, category, effect) g`, [CUSTOMER]);

  console.log(`## Subject access export: one customer with ${LOG_ROWS} access-log entries (${recipients} recipient groups) and ${ORDERS} orders; ${RUNS} runs each, seeded in ${(seeded / 1000).toFixed(1)} s`);
  try {
    await measure(port, { method: 'GET', path: `/subjects/${CUSTOMER}/export`, headers }, gc); // warm-up
    const json: Measured[] = [];
    const html: Measured[] = [];
    const graphql: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      json.push(await measure(port, { method: 'GET', path: `/subjects/${CUSTOMER}/export?format=json`, headers }, gc));
      html.push(await measure(port, { method: 'GET', path: `/subjects/${CUSTOMER}/export?format=html`, headers }, gc));
      graphql.push(await measure(port, {
        method: 'POST', path: '/graphql', headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ subjectExport(customerId: "${CUSTOMER}") }` }),
      }, gc));
    }
    console.log(line('GET ?format=json', json));
    console.log(line('GET ?format=html', html));
    console.log(line('GraphQL subjectExport', graphql) + '   (built in memory, for comparison)');
    const worst = Math.max(...json.map((r) => r.peakRssMb));
    console.log(`  streamed JSON export: peak RSS growth ${worst.toFixed(1)} MB (target < ${TARGET_MB} MB: ${worst < TARGET_MB ? 'met' : 'NOT MET'})\n`);
  } finally {
    await gateway.close();
  }
}

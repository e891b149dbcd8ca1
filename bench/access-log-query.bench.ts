import { queryAccessLog, AccessLogFilter } from '../src/audit/queries';
import { monthStart, partitionName, protectPartition } from '../src/audit/partitions';
import { QueryRunner } from 'typeorm';
import { BenchEnv } from './setup';

/**
 * Filtered accessLog queries over a large generated log (default 10 million rows over the last
 * 92 days, with realistic skew: many callers and categories, few denials of rare kinds). Reports
 * the p95 over a mix of filters security teams use, each run several times; target < 100 ms.
 * Generating 10M rows takes several minutes on 2 cores: BENCH_LOG_QUERY_ROWS makes it smaller.
 */
const TARGET_MS = 100;

/** Categories of the schema with their type and some fields, the first ones the most read. */
const CATS: [string, string, string[]][] = [
  ['identity.name', 'Customer', ['firstName', 'lastName']], ['identity.date_of_birth', 'Customer', ['dateOfBirth']], ['identity.gender', 'Customer', ['gender']],
  ['identity.nationality', 'Customer', ['nationality']], ['identity.national_id', 'Customer', ['nationalId']], ['contact.email', 'Email', ['emails.0.address']],
  ['contact.phone', 'Phone', ['phones.0.number']], ['contact.address', 'PostalAddress', ['addresses.0.line1', 'addresses.0.city']],
  ['contact.social_media', 'SocialAccount', ['socialAccounts.0.handle']], ['account.username', 'Account', ['accounts.0.username']],
  ['technical.ip_address', 'LoginEvent', ['accounts.0.loginEvents.0.ipAddress']], ['technical.user_agent', 'LoginEvent', ['accounts.0.loginEvents.0.userAgent']],
  ['technical.activity_time', 'LoginEvent', ['accounts.0.loginEvents.0.occurredAt']], ['communication.chat', 'Communication', ['communications.0.body']],
  ['communication.call_log', 'CallLog', ['callLogs.0.phoneNumber']], ['financial.bank_account', 'BankAccount', ['bankAccounts.0.accountNumber']],
  ['financial.payment_card', 'PaymentCard', ['paymentCards.0.last4']], ['financial.order', 'Order', ['orders.0.total']],
  ['financial.invoice', 'Invoice', ['invoices.0.billingName']], ['financial.tax_id', 'Invoice', ['invoices.0.taxId']],
  ['health.declaration', 'HealthDeclaration', ['healthDeclarations.0.symptoms']],
];

/** `count` category sets from a fixed seed: 1 to 9 distinct categories (5 on average), drawn with skew (health: about 2% of draws). */
function categorySets(count: number): { n: number; categories: string[]; types: string[]; ends: number[]; fields: string[] }[] {
  let seed = 42; // mulberry32
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return Array.from({ length: count }, (_, n) => {
    const size = 1 + Math.floor(9 * random());
    const picked = new Set<number>();
    while (picked.size < size) picked.add(Math.floor(CATS.length * random() * random()));
    const set = { n, categories: [] as string[], types: [] as string[], ends: [] as number[], fields: [] as string[] };
    for (const i of [...picked].sort((a, b) => a - b)) {
      const [category, type, fields] = CATS[i];
      set.categories.push(category);
      set.types.push(type);
      set.fields.push(...fields);
      set.ends.push(set.fields.length);
    }
    return set;
  });
}

async function generate(env: BenchEnv, rows: number): Promise<void> {
  // One connection throughout: the temp tables below and the random seed are per session.
  const db = env.stores.gateway.createQueryRunner();
  await db.connect();
  try {
    await db.query('SELECT setseed(0.42)');
    await generateOn(db, rows);
  } finally {
    await db.release();
  }
}

async function generateOn(db: QueryRunner, rows: number): Promise<void> {
  const now = new Date();
  for (let add = -4; add <= 1; add++) {
    const start = monthStart(now, add);
    const name = partitionName(start);
    const [exists] = await db.query('SELECT 1 FROM pg_class WHERE relname = $1', [name]);
    if (!exists) {
      await db.query(`CREATE TABLE ${name} PARTITION OF access_log FOR VALUES FROM ('${start.toISOString()}') TO ('${monthStart(now, add + 1).toISOString()}')`);
      await protectPartition(db, name);
    }
  }
  // What one row covers: a set of categories (1 to 9, skewed to the common ones), each with its
  // type and fields, as the writer stores a decision (decision-rows.ts). 1,000 sets made here from a
  // fixed seed; each generated row picks one.
  await db.query(`CREATE TEMP TABLE sets(n int PRIMARY KEY, categories text[], types text[], ends int[], fields text[])`);
  await db.query(`INSERT INTO sets SELECT * FROM json_to_recordset($1::json) AS (n int, categories text[], types text[], ends int[], fields text[])`, [JSON.stringify(categorySets(1000))]);
  await db.query(`
    CREATE TEMP TABLE reasons(n int PRIMARY KEY, reason text);
    INSERT INTO reasons SELECT g, (ARRAY['CATEGORY_NOT_IN_PURPOSE','CATEGORY_NOT_IN_PURPOSE','CATEGORY_NOT_IN_PURPOSE','CATEGORY_NOT_IN_PURPOSE','CATEGORY_NOT_IN_PURPOSE','NO_CONSENT','NO_CONSENT',
      'RETENTION_EXPIRED','OBJECTED','CONSENT_WITHDRAWN','RESTRICTED','GUARDIAN_CONSENT_REQUIRED','EXPLICIT_CONSENT_REQUIRED','SUBJECT_ERASED','RECTIFICATION_PENDING','CONSENT_EXPIRED'])[g+1] FROM generate_series(0,15) g;
    CREATE TEMP TABLE callers(n int PRIMARY KEY, caller text, purpose text, roles text[]);
    INSERT INTO callers SELECT g, c.caller, c.purpose, c.roles FROM generate_series(0,99) g JOIN (VALUES
      (0,21,'crm-service','account_management','{service}'::text[]),(21,30,'crm-service','order_delivery','{service}'::text[]),(30,35,'crm-service','product_improvement','{service}'::text[]),
      (35,51,'billing-service','payment','{service}'::text[]),(51,55,'billing-service','legal_compliance','{service}'::text[]),(55,75,'marketing-service','marketing','{service}'::text[]),
      (75,90,'support-service','after_sales','{service}'::text[]),(90,95,'security-service','terms_compliance','{service}'::text[]),(95,99,'dpo-console','data_subject_request','{dpo}'::text[]),
      (99,100,'security-audit',NULL,'{auditor}'::text[])) AS c(lo,hi,caller,purpose,roles) ON g >= c.lo AND g < c.hi`);
  // Each generated request has 1 + floor(8u) rows (one per customer place and decision), 4.5 on
  // average; dividing by 4.4 makes the log at least the requested size. `+ 0 * g` below ties the
  // row count to the request: uncorrelated, PostgreSQL draws it once per statement and a whole chunk
  // of requests gets one size. One connection with a fixed seed makes the log the same in every run.
  const requests = Math.ceil(rows / 4.4);
  const chunk = 25_000;
  const t0 = Date.now();
  for (let lo = 1; lo <= requests; lo += chunk) {
    const hi = Math.min(requests, lo + chunk - 1);
    await db.query(
      `INSERT INTO access_log (batch_id, logged_at, at, request_id, caller, roles, purpose, client_address, policy_hash, customer_id, field_path,
                               effect, reason, rule, categories, category_types, category_field_ends, fields)
       SELECT r.rid / 20, r.at, r.at, 'req-' || r.rid, c.caller, c.roles, c.purpose, '10.0.0.' || (r.rid % 250), 'bench',
              CASE WHEN c.caller = 'security-audit' THEN NULL ELSE 'cus_' || lpad(((r.cust + r.j % 5) % 200000)::text, 6, '0') END,
              CASE WHEN c.caller = 'security-audit' THEN 'accessLog' ELSE 'customers.' || (r.j % 5) END,
              e.effect, CASE WHEN e.effect = 'DENY' THEN rs.reason END, 'purposes.x.categories',
              CASE WHEN c.caller = 'security-audit' THEN '{access_log}' ELSE k.categories END,
              CASE WHEN c.caller = 'security-audit' THEN '{AccessLog}' ELSE k.types END,
              CASE WHEN c.caller = 'security-audit' THEN '{0}' ELSE k.ends END,
              CASE WHEN c.caller = 'security-audit' THEN '{}' ELSE k.fields END
       FROM (SELECT g AS rid, now() - interval '92 days' + (g::float8 / $3) * interval '92 days' AS at, floor(random() * 100)::int AS cn,
                    floor(random() * 200000)::int AS cust, j, random() AS u1, random() AS u2, random() AS u3
             FROM generate_series($1::int, $2::int) g CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 8)::int + 0 * g) j) r
       JOIN callers c ON c.n = r.cn
       JOIN sets k ON k.n = floor(1000 * r.u1)::int
       CROSS JOIN LATERAL (SELECT CASE WHEN r.u2 < 0.68 THEN 'ALLOW' WHEN r.u2 < 0.75 THEN 'MASK' ELSE 'DENY' END AS effect) e
       JOIN reasons rs ON rs.n = floor(16 * r.u3)::int`,
      [lo, hi, requests],
    );
    process.stderr.write(`\r  generating access log: ${Math.round((hi / requests) * 100)}% (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  process.stderr.write('\n');
  await db.query('ANALYZE access_log');
}

export async function benchAccessLogQueries(env: BenchEnv): Promise<void> {
  const rows = Number(process.env.BENCH_LOG_QUERY_ROWS ?? 10_000_000);
  const t0 = Date.now();
  await generate(env, rows);
  const [{ n, entries }] = await env.stores.gateway.query(
    'SELECT count(*)::bigint AS n, sum(cardinality(coalesce(categories, ARRAY[category])))::bigint AS entries FROM access_log');
  const day = (d: number) => new Date(Date.now() - d * 86_400_000);
  const cases: [string, AccessLogFilter][] = [
    ['customer', { customerId: 'cus_123456' }],
    ['customer this month', { customerId: 'cus_123456', from: day(30) }],
    ['customer + category', { customerId: 'cus_054321', category: 'contact' }],
    ['caller', { caller: 'marketing-service' }],
    ['caller rare', { caller: 'security-audit' }],
    ['caller + DENY this week', { caller: 'marketing-service', effect: 'DENY', from: day(7) }],
    ['purpose', { purpose: 'payment' }],
    ['category national id', { category: 'identity.national_id' }],
    ['category parent', { category: 'financial' }],
    ['effect DENY', { effect: 'DENY' }],
    ['effect MASK', { effect: 'MASK' }],
    ['reason rare this week', { reason: 'SUBJECT_ERASED', from: day(7) }],
    ['last night', { from: day(1), to: day(0.5) }],
    ['old day', { from: day(60), to: day(59) }],
    ['purpose + category', { purpose: 'payment', category: 'financial.bank_account' }],
    ['caller + field', { caller: 'billing-service', field: 'taxId', from: day(7) }],
  ];
  const times: number[] = [];
  const perCase: string[] = [];
  for (const [name, filter] of cases) {
    const t: number[] = [];
    let page = await queryAccessLog(env.stores.gateway, filter, 50, null); // warm-up, and a cursor for page 2
    for (let i = 0; i < 5; i++) {
      const s = process.hrtime.bigint();
      page = await queryAccessLog(env.stores.gateway, filter, 50, i === 4 && page.endCursor ? page.endCursor : null);
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    times.push(...t);
    t.sort((a, b) => a - b);
    perCase.push(`    ${name.padEnd(26)} median ${t[2].toFixed(1).padStart(7)} ms  max ${t[4].toFixed(1).padStart(7)} ms`);
  }
  times.sort((a, b) => a - b);
  const p95 = times[Math.floor(times.length * 0.95)];
  console.log(`## accessLog queries over ${Number(n).toLocaleString('en')} log rows, ${Number(entries).toLocaleString('en')} entries (generated in ${((Date.now() - t0) / 1000).toFixed(0)} s), first: 50, ${cases.length} filters x 5 runs`);
  console.log(perCase.join('\n'));
  console.log(`  p95 ${p95.toFixed(1)} ms (target < ${TARGET_MS} ms: ${p95 < TARGET_MS ? 'met' : 'NOT met'})\n`);
}

import { execFile } from 'node:child_process';
import path from 'node:path';
import { startTestGateway, TestGateway } from '../support/gateway';
import { civilCutoff } from '../support/civil-calendar';
import { ask, bornYearsAgo, denied, erase, expectResponse, insertPerson, Seeded, YEAR_DAYS } from '../fixtures/pack-scenarios';
import { loadPack } from '../../src/policy/load-pack';
import { SweepReport } from '../../src/rights/retention-sweep-report';
import { runRetentionSweep } from '../../src/rights/retention-sweep-run';

/**
 * The retention sweep (`npm run retention -- sweep`) under SmartTech (policies/smarttech.yaml):
 * records past the LONGEST retention any purpose gives their categories are deleted, or
 * anonymised where a parent row must stay; categories the pack lists as not collected (gender,
 * health declarations) are deleted whatever their age; a category no purpose covers (only in a
 * pack that `policy check` refuses) is kept with a warning;
 * an erasure that stopped half-way is finished. Counts checked against the inserted records; a
 * dry run counts the same, a second run changes nothing, small batches give the same result; the
 * command itself runs end to end.
 */
let gw: TestGateway;
const ROOT = path.resolve(__dirname, '../..');
const PACK_FILE = path.join(ROOT, 'policies/smarttech.yaml');
const pack = loadPack(PACK_FILE);
const DPO = ['dpo'];
/**
 * The sweep's cutoff for an n-year retention at `now`: the latest collection time whose period
 * has ended, in the civil calendar (on 29 February, the end of 28 February n years back; not
 * `now` less n years, which overflows into 1 March).
 */
const yearsCutoff = (now: Date, n: number) => civilCutoff(now, { years: n, months: 0, days: 0 });

let old: Seeded;
let gone: Seeded;
let lateInvoice: { id: string };

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'smarttech.yaml' });
  const six = 6 * YEAR_DAYS;
  old = await insertPerson(gw.stores, {
    id: 'rt_old', firstName: 'Boonmee', lastName: 'Longago', dateOfBirth: bornYearsAgo(70), nationalId: '1101700207777', collectedDaysAgo: six + 10,
    emails: [{ address: 'boonmee.2019@example.test', daysAgo: six }, { address: 'boonmee.now@example.test', daysAgo: YEAR_DAYS }],
    phones: [{ number: '+66877770001', daysAgo: 30 }],
    socialAccounts: [{ platform: 'line', handle: 'boonmee', daysAgo: six }],
    accounts: [
      { username: 'boonmee_active', daysAgo: six, logins: [{ daysAgo: 10, ipAddress: '203.0.113.10', userAgent: 'UA-recent' }, { daysAgo: 400, ipAddress: '203.0.113.11', userAgent: 'UA-400' }] },
      { username: 'boonmee_dormant', daysAgo: six, logins: [{ daysAgo: 2000, ipAddress: '203.0.113.12', userAgent: 'UA-2000' }] },
    ],
    communications: [{ channel: 'chat', subject: 'Hello', body: 'An old chat', daysAgo: six }],
    healthDeclarations: [{ daysAgo: six, temperatureC: 36.4, symptoms: [], exposure: false, vaccinationStatus: 'unknown' }],
    bankAccounts: [{ bankName: 'TTB', accountHolder: 'Boonmee Longago', accountNumber: '5550000001', daysAgo: 3 * YEAR_DAYS }, { bankName: 'TTB', accountHolder: 'Boonmee Longago', accountNumber: '5550000002', daysAgo: 100 }],
    paymentCards: [{ token: 'tok_old', last4: '1111', brand: 'visa', expiryMonth: 1, expiryYear: 2021, daysAgo: six }],
    orders: [
      { daysAgo: six, total: '100.00', currency: 'THB', status: 'delivered', items: '1 x radio', invoice: { invoiceNumber: 'RT-2019-1', billingName: 'Boonmee Longago', billingAddress: 'Bangkok', taxId: null, amount: '100.00' } },
      { daysAgo: six, total: '200.00', currency: 'THB', status: 'delivered', items: '1 x fan' },
      { daysAgo: YEAR_DAYS, total: '300.00', currency: 'THB', status: 'delivered', items: '1 x rice cooker' },
    ],
  });
  // The fan was invoiced two years after it was ordered: the order is past 5 years, its invoice is not.
  const invoicedAt = new Date(Date.now() - 4 * YEAR_DAYS * 86_400_000);
  const [{ id }] = await gw.stores.billing.query(
    `INSERT INTO invoices (customer_id, order_id, invoice_number, issued_at, billing_name, billing_address, tax_id, amount, source, collected_at)
     VALUES ($1, $2, 'RT-2021-2', $3, 'Boonmee Longago', 'Bangkok', NULL, 200.00, 'checkout', $3) RETURNING id::text`, [old.id, old.orders[1].id, invoicedAt]);
  lateInvoice = { id };

  // An erasure recorded but never carried out in the stores (as if it had stopped half-way).
  gone = await insertPerson(gw.stores, {
    id: 'rt_gone', firstName: 'Malee', lastName: 'Halfway', dateOfBirth: bornYearsAgo(30), collectedDaysAgo: 100,
    phones: [{ number: '+66877770002' }],
    healthDeclarations: [{ daysAgo: 50, temperatureC: 37.1, symptoms: ['fever'], exposure: true, vaccinationStatus: 'vaccinated' }],
    orders: [{ daysAgo: 100, total: '50.00', currency: 'THB', status: 'paid', items: '1 x cable', invoice: { invoiceNumber: 'RT-GONE-1', billingName: 'Malee Halfway', billingAddress: 'Phuket', taxId: null, amount: '50.00' } }],
  });
  await erase(gw.stores, gone.id);
});
afterAll(() => gw.close());

/** The report expected for `counts` (rows per line, in the sweep's order) at `now`. */
function expectedReport(now: Date, dryRun: boolean, counts: number[]): SweepReport {
  const y5 = yearsCutoff(now, 5);
  const y2 = yearsCutoff(now, 2);
  const y1 = yearsCutoff(now, 1);
  const lines = [
    ['crm', 'emails', ['contact.email'], 'deleted', 'P5Y', 'account_management', y5],
    ['crm', 'phones', ['contact.phone'], 'deleted', 'P5Y', 'account_management', y5],
    ['crm', 'postal_addresses', ['contact.address'], 'deleted', 'P5Y', 'account_management', y5],
    ['crm', 'social_accounts', ['contact.social_media'], 'deleted', 'P5Y', 'account_management', y5],
    ['crm', 'login_events', ['technical.ip_address', 'technical.user_agent', 'technical.activity_time'], 'deleted', 'P1Y', 'product_improvement', y1],
    ['crm', 'accounts', ['account.username'], 'deleted', 'P5Y', 'account_management', y5],
    ['crm', 'accounts', ['account.username'], 'anonymised', 'P5Y', 'account_management', y5],
    ['crm', 'communications', ['communication.support_ticket', 'communication.chat'], 'deleted', 'P2Y', 'after_sales', y2],
    ['crm', 'call_logs', ['communication.call_log'], 'deleted', 'P2Y', 'after_sales', y2],
    ['crm', 'health_declarations', ['health.declaration'], 'deleted', null, null, now],
    ['billing', 'bank_accounts', ['financial.bank_account'], 'deleted', 'P2Y', 'payment', y2],
    ['billing', 'payment_cards', ['financial.payment_card'], 'deleted', 'P5Y', 'legal_compliance', y5],
    ['billing', 'invoices', ['financial.invoice', 'financial.tax_id'], 'deleted', 'P5Y', 'legal_compliance', y5],
    ['billing', 'orders', ['financial.order'], 'deleted', 'P5Y', 'legal_compliance', y5],
    ['billing', 'orders', ['financial.order'], 'anonymised', 'P5Y', 'legal_compliance', y5],
    ['crm', 'customers', ['identity.name'], 'anonymised', 'P5Y', 'account_management', y5],
    ['crm', 'customers', ['identity.date_of_birth'], 'anonymised', 'P5Y', 'account_management', y5],
    ['crm', 'customers', ['identity.gender'], 'anonymised', null, null, now],
    ['crm', 'customers', ['identity.nationality'], 'anonymised', 'P5Y', 'account_management', y5],
    ['crm', 'customers', ['identity.national_id'], 'anonymised', 'P5Y', 'legal_compliance', y5],
    ['crm', 'customers', ['identity.passport'], 'anonymised', 'P5Y', 'legal_compliance', y5],
  ].map(([store, table, categories, action, retention, purpose, cutoff], i) => ({ store, table, categories, action, rows: counts[i], retention, purpose, cutoff }));
  const byCategory: Record<string, { deleted: number; anonymised: number }> = {};
  for (const l of lines) for (const c of l.categories as string[]) {
    byCategory[c] ??= { deleted: 0, anonymised: 0 };
    byCategory[c][l.action as 'deleted' | 'anonymised'] += l.rows;
  }
  // Every category the stores hold has a purpose or is not collected: no warning.
  const warnings: SweepReport['warnings'] = [];
  return { pack: 'smarttech', now, dryRun, erasedCustomers: 1, lines, warnings, byCategory } as SweepReport;
}

// emails: the 6-year-old address. phones: the erased customer's. social_accounts: the 6-year-old
// one (account_management, P5Y). login_events: the 400- and 2000-day-old logins. accounts: the
// dormant one deleted, the active one (a 10-day-old login) anonymised. communications: the
// 6-year-old chat (after_sales, P2Y). health_declarations: both, the 6-year-old and the erased
// customer's 50-day-old one (not collected under SmartTech: any age). bank_accounts: the
// 3-year-old one (payment, P2Y). payment_cards, invoices, orders: the 6-year-old card, radio
// invoice and radio order; the fan order stays, anonymised, for its 4-year-old invoice.
// customers: the 6-year-old row's name, date of birth, nationality and national id; the erased
// customer's name, date of birth and nationality; both customers' gender (not collected).
const COUNTS = [1, 1, 0, 1, 2, 1, 1, 1, 0, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1, 0];

test('dry run counts what is past retention and changes nothing; the sweep, one row per batch, does exactly that; a second run changes nothing', async () => {
  const snapshot = async () => ({
    crm: await gw.stores.crm.query(`SELECT (SELECT count(*) FROM emails) e, (SELECT count(*) FROM login_events) l, (SELECT count(*) FROM accounts) a, (SELECT string_agg(first_name, ',' ORDER BY id) FROM customers) n`),
    billing: await gw.stores.billing.query(`SELECT (SELECT count(*) FROM orders) o, (SELECT count(*) FROM invoices) i, (SELECT string_agg(items, ',' ORDER BY id) FROM orders) it`),
  });
  const before = await snapshot();
  const now = new Date();
  expect(await runRetentionSweep(gw.stores, pack, { now, dryRun: true })).toEqual(expectedReport(now, true, COUNTS));
  expect(await snapshot()).toEqual(before);

  const batches: number[] = [];
  const report = await runRetentionSweep(gw.stores, pack, { now, dryRun: false, batchSize: 1, onProgress: ({ rows }) => batches.push(rows) });
  expect(report).toEqual(expectedReport(now, false, COUNTS));
  // One committed statement per row: a line of 2 rows reported 1, then 2.
  expect(batches).toEqual(COUNTS.filter((n) => n > 0).flatMap((n) => Array.from({ length: n }, (_, i) => i + 1)));

  const again = await runRetentionSweep(gw.stores, pack, { now: new Date(now.getTime() + 1000), dryRun: false });
  expect(again).toEqual(expectedReport(again.now, false, COUNTS.map(() => 0)));
});

test('what is left, read by the DPO through HTTP: recent records, the anonymised account and order, no category kept for want of a rule, the kept invoices', async () => {
  const q = `query($ids: [ID!]!) { customers(ids: $ids) {
    id firstName nationalId dateOfBirth emails { address } phones { number } socialAccounts { handle }
    accounts { id username loginEvents { userAgent } } bankAccounts { accountNumber } paymentCards { last4 }
    orders { id items } invoices { id invoiceNumber } } }`;
  const r = await ask(gw, 'dpo-console', 'data_subject_request', q, { ids: [old.id, gone.id] }, DPO);
  const [active] = old.accounts;
  expectResponse(r, 200, {
    data: {
      customers: [
        {
          id: old.id, firstName: 'erased', nationalId: null, dateOfBirth: '1900-01-01',
          emails: [{ address: 'boonmee.now@example.test' }], phones: [{ number: '+66877770001' }], socialAccounts: [],
          accounts: [{ id: active.id, username: `erased-${active.id}`, loginEvents: [{ userAgent: 'UA-recent' }] }],
          bankAccounts: [{ accountNumber: '5550000002' }], paymentCards: [],
          orders: [{ id: old.orders[1].id, items: 'erased' }, { id: old.orders[2].id, items: '1 x rice cooker' }],
          invoices: [{ id: lateInvoice.id, invoiceNumber: 'RT-2021-2' }],
        },
        {
          // Erased: the DPO sees what legal_compliance keeps (kept_after_erasure), nothing else.
          id: gone.id, firstName: null, nationalId: null, dateOfBirth: null, emails: null, phones: null, socialAccounts: null, accounts: null, bankAccounts: null, paymentCards: null,
          orders: [{ id: gone.orders[0].id, items: '1 x cable' }], invoices: [{ id: gone.invoices[0].id, invoiceNumber: 'RT-GONE-1' }],
        },
      ],
    },
    errors: [
      denied(q, ['customers', 1, 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
      denied(q, ['customers', 1, 'nationalId'], 'SUBJECT_ERASED', 'identity.national_id', 'erasure'),
      denied(q, ['customers', 1, 'dateOfBirth'], 'SUBJECT_ERASED', 'identity.date_of_birth', 'erasure'),
      denied(q, ['customers', 1, 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      denied(q, ['customers', 1, 'phones'], 'SUBJECT_ERASED', 'contact.phone', 'erasure'),
      denied(q, ['customers', 1, 'socialAccounts'], 'SUBJECT_ERASED', 'contact.social_media', 'erasure'),
      denied(q, ['customers', 1, 'accounts'], 'SUBJECT_ERASED', 'account.username', 'erasure'),
      denied(q, ['customers', 1, 'bankAccounts'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure'),
      denied(q, ['customers', 1, 'paymentCards'], 'SUBJECT_ERASED', 'financial.payment_card', 'erasure'),
    ],
  });
  // Once kept for ever with a warning: the 6-year-old chat is past after_sales' 2 years; health
  // declarations and gender, which SmartTech does not collect, are gone whatever their age.
  expect(await gw.stores.crm.query(`SELECT customer_id FROM health_declarations ORDER BY id`)).toEqual([]);
  expect(await gw.stores.crm.query(`SELECT customer_id, body FROM communications ORDER BY id`)).toEqual([]);
  expect(await gw.stores.crm.query(`SELECT id, gender FROM customers ORDER BY id`)).toEqual([{ id: gone.id, gender: null }, { id: old.id, gender: null }]);
});

/** Runs the command as `npm run retention` would run it, from source, against this file's databases. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/cli/retention.ts', ...args], {
      cwd: ROOT,
      env: {
        ...process.env, TS_NODE_PROJECT: 'tsconfig.jest.json', LOG_LEVEL: 'error', GATEWAY_POLICY: PACK_FILE,
        GATEWAY_DATABASE_URL: gw.config.databases.gateway!, CRM_DATABASE_URL: gw.config.databases.crm!, BILLING_DATABASE_URL: gw.config.databases.billing!,
      },
      timeout: 120_000,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

test('npm run retention -- sweep: a line per table, warnings on stderr, exit 0; nothing left to do; bad arguments exit 2', async () => {
  const now = new Date(Date.now() + 60_000).toISOString(); // a minute after the sweep above: nothing new is past retention
  const run = await cli(['sweep', '--dry-run', '--now', now]);
  expect(run.code).toBe(0);
  const y = (n: number) => yearsCutoff(new Date(now), n).toISOString();
  expect(run.stdout.split('\n')).toEqual([
    `crm.emails [contact.email]: would delete 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.phones [contact.phone]: would delete 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.postal_addresses [contact.address]: would delete 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.social_accounts [contact.social_media]: would delete 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.login_events [technical.ip_address, technical.user_agent, technical.activity_time]: would delete 0 (older than P1Y (product_improvement), collected at or before ${y(1)})`,
    `crm.accounts [account.username]: would delete 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.accounts [account.username]: would anonymise 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.communications [communication.support_ticket, communication.chat]: would delete 0 (older than P2Y (after_sales), collected at or before ${y(2)})`,
    `crm.call_logs [communication.call_log]: would delete 0 (older than P2Y (after_sales), collected at or before ${y(2)})`,
    'crm.health_declarations [health.declaration]: would delete 0 (not collected under the pack: any age)',
    `billing.bank_accounts [financial.bank_account]: would delete 0 (older than P2Y (payment), collected at or before ${y(2)})`,
    `billing.payment_cards [financial.payment_card]: would delete 0 (older than P5Y (legal_compliance), collected at or before ${y(5)})`,
    `billing.invoices [financial.invoice, financial.tax_id]: would delete 0 (older than P5Y (legal_compliance), collected at or before ${y(5)})`,
    `billing.orders [financial.order]: would delete 0 (older than P5Y (legal_compliance), collected at or before ${y(5)})`,
    `billing.orders [financial.order]: would anonymise 0 (older than P5Y (legal_compliance), collected at or before ${y(5)})`,
    `crm.customers [identity.name]: would anonymise 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.customers [identity.date_of_birth]: would anonymise 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    'crm.customers [identity.gender]: would anonymise 0 (not collected under the pack: any age)',
    `crm.customers [identity.nationality]: would anonymise 0 (older than P5Y (account_management), collected at or before ${y(5)})`,
    `crm.customers [identity.national_id]: would anonymise 0 (older than P5Y (legal_compliance), collected at or before ${y(5)})`,
    `crm.customers [identity.passport]: would anonymise 0 (older than P5Y (legal_compliance), collected at or before ${y(5)})`,
    `dry run: 0 rows past retention under pack smarttech at ${now} (1 erased customers)`,
    '',
  ]);
  expect(run.stderr.split('\n').filter((l) => l.startsWith('retention: warning:'))).toEqual([]);

  const bad = await cli(['sweep', '--batch', '0']);
  expect({ code: bad.code, stderr: bad.stderr }).toEqual({
    code: 2,
    stderr: 'retention: --batch must be an integer from 1 to 100000, got "0"\nusage: npm run retention -- sweep [--dry-run] [--batch N] [--now ISO-8601] [--json]\n',
  });
}, 120_000);

test('defence: under a pack that `policy check` refuses (SmartTech without not_collected) the uncovered categories are kept, with a warning', async () => {
  const unchecked = { ...pack, notCollected: [] };
  const report = await runRetentionSweep(gw.stores, unchecked, { now: new Date(), dryRun: true });
  const kept = (category: string, where: string) => ({ category, message: `no purpose of the pack covers ${category}: ${where}` });
  expect(report.warnings).toEqual([
    { store: 'crm', table: 'health_declarations', ...kept('health.declaration', 'crm.health_declarations is kept (except rows of erased customers); add a retention rule or erase deliberately') },
    { store: 'crm', table: 'customers', ...kept('identity.gender', 'it is kept on crm.customers (except for erased customers); add a retention rule or erase deliberately') },
  ]);
});

test('a category of a several-category row that is due first (here: the user agent, made not collected) is anonymised on the rows that stay', async () => {
  // SmartTech with technical.user_agent taken out of every purpose and listed as not collected.
  const purposes = Object.fromEntries(Object.entries(pack.purposes).map(([k, p]) => [k, { ...p, categories: p.categories.filter((c) => c !== 'technical.user_agent') }]));
  const variant = { ...pack, purposes, notCollected: [...pack.notCollected!, 'technical.user_agent'] };
  const now = new Date();
  const report = await runRetentionSweep(gw.stores, variant, { now, dryRun: true });
  // Left by the sweep above: the 10-day-old login, whose user agent (UA-recent) would go now.
  expect(report.lines.filter((l) => l.table === 'login_events')).toEqual([
    { store: 'crm', table: 'login_events', categories: ['technical.ip_address', 'technical.user_agent', 'technical.activity_time'], action: 'deleted', rows: 0, retention: 'P1Y', purpose: 'product_improvement', cutoff: yearsCutoff(now, 1) },
    { store: 'crm', table: 'login_events', categories: ['technical.user_agent'], action: 'anonymised', rows: 1, retention: null, purpose: null, cutoff: now },
  ]);
  expect(report.warnings).toEqual([]);
  expect(await gw.stores.crm.query(`SELECT user_agent FROM login_events ORDER BY id`)).toEqual([{ user_agent: 'UA-recent' }]);
});

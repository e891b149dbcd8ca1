import { createTestDatabases } from '../support/test-stores';
import { closeStores, openStores, Stores } from '../../src/stores/open-stores';
import { generateCustomer } from '../../src/stores/demo/generator';
import { loadDemoDataset, loadSubjects } from '../../src/stores/demo/loader';
import { addSubjectCounts, emptyCounts, SEED_TABLES, TableCounts } from '../../src/stores/demo/types';
import { writeBilling, writeGateway } from '../../src/stores/demo/write-stores';

const NOW = new Date('2026-01-01T00:00:00Z');
const SEED = 3;
const SUBJECTS = 200;
const PURPOSES = ['marketing'];

async function tableCounts(stores: Stores): Promise<TableCounts> {
  const out = emptyCounts();
  for (const [store, tables] of Object.entries(SEED_TABLES) as [keyof typeof SEED_TABLES, readonly (keyof TableCounts)[]][]) {
    for (const t of tables) {
      const [{ n }] = await stores[store].query(`SELECT count(*)::int AS n FROM ${t}`);
      out[t] = n;
    }
  }
  return out;
}

function expectedCounts(subjects: number, seed: number, now: Date): TableCounts {
  const c = emptyCounts();
  for (let i = 0; i < subjects; i++) addSubjectCounts(c, generateCustomer(i, seed, now, PURPOSES));
  return c;
}

describe('seed loader', () => {
  let stores: Stores;

  beforeAll(async () => {
    stores = await openStores(await createTestDatabases(), { migrate: false });
  });
  afterAll(async () => {
    await closeStores(stores);
  });

  test('loads 200 subjects: table counts equal the generator counts, rows round-trip and link up', async () => {
    const progress: number[] = [];
    const result = await loadSubjects(stores, {
      subjects: SUBJECTS, seed: SEED, now: NOW, consentPurposes: PURPOSES, batchSize: 64,
      onProgress: ({ done }) => progress.push(done),
    });
    const expected = expectedCounts(SUBJECTS, SEED, NOW);
    expect(result.counts).toEqual(expected);
    expect(result).toMatchObject({ processed: SUBJECTS, skipped: 0, aborted: false });
    expect(progress).toEqual([64, 128, 192, 200]);
    expect(await tableCounts(stores)).toEqual(expected);
    expect(expected.login_events).toBeGreaterThan(0);
    expect(expected.invoices).toBeGreaterThan(0);

    // One customer read back equals what was generated.
    const g = generateCustomer(41, SEED, NOW, PURPOSES);
    const [c] = await stores.crm.query(
      `SELECT id, first_name, middle_name, last_name, alias, date_of_birth::text AS dob, national_id, passport_number, source, collected_at
       FROM customers WHERE id = $1`, [g.customer.id],
    );
    expect(c).toEqual({
      id: g.customer.id, first_name: g.customer.firstName, middle_name: g.customer.middleName, last_name: g.customer.lastName,
      alias: g.customer.alias, dob: g.customer.dateOfBirth, national_id: g.customer.nationalId, passport_number: g.customer.passportNumber,
      source: g.customer.source, collected_at: new Date(g.customer.collectedAt),
    });
    const health: { symptoms: string[]; temperature_c: string }[] = await stores.crm.query(
      `SELECT symptoms, temperature_c FROM health_declarations WHERE customer_id = ANY($1) ORDER BY id`,
      [Array.from({ length: SUBJECTS }, (_, i) => `cus_${SEED}_${String(i + 1).padStart(6, '0')}`)],
    );
    const generatedHealth = Array.from({ length: SUBJECTS }, (_, i) => generateCustomer(i, SEED, NOW, PURPOSES).crm.healthDeclarations).flat();
    expect(health.map((h) => h.symptoms).sort()).toEqual(generatedHealth.map((h) => h.symptoms).sort());

    // Children point at their own customer's parent rows.
    const [{ n: strayLogins }] = await stores.crm.query(
      `SELECT count(*)::int AS n FROM login_events l JOIN accounts a ON a.id = l.account_id WHERE a.customer_id <> l.customer_id`,
    );
    const [{ n: strayInvoices }] = await stores.billing.query(
      `SELECT count(*)::int AS n FROM invoices i JOIN orders o ON o.id = i.order_id WHERE o.customer_id <> i.customer_id OR o.total <> i.amount`,
    );
    expect([strayLogins, strayInvoices]).toEqual([0, 0]);
  });

  test('a rerun is idempotent: nothing inserted, counts unchanged', async () => {
    const before = await tableCounts(stores);
    const again = await loadSubjects(stores, { subjects: SUBJECTS, seed: SEED, now: NOW, consentPurposes: PURPOSES, batchSize: 64 });
    expect(again.counts).toEqual(emptyCounts());
    expect(again.skipped).toBe(SUBJECTS);
    expect(await tableCounts(stores)).toEqual(before);
  });

  test('a stopped run keeps its committed batches and the next run completes it exactly', async () => {
    const seed = 4;
    const abort = new AbortController();
    const first = await loadSubjects(stores, {
      subjects: 100, seed, now: NOW, consentPurposes: PURPOSES, batchSize: 30,
      onProgress: ({ done }) => { if (done >= 30) abort.abort(); },
      signal: abort.signal,
    });
    expect(first.aborted).toBe(true);
    expect(first.processed).toBeLessThan(100);
    const [{ n }] = await stores.crm.query(`SELECT count(*)::int AS n FROM customers WHERE id LIKE 'cus_4_%'`);
    expect(n).toBe(first.processed);

    const before = await tableCounts(stores);
    const second = await loadSubjects(stores, { subjects: 100, seed, now: NOW, consentPurposes: PURPOSES, batchSize: 30 });
    expect(second.skipped).toBe(first.processed);
    const after = await tableCounts(stores);
    const expected = expectedCounts(100, seed, NOW);
    for (const t of Object.keys(expected) as (keyof TableCounts)[]) expect(after[t] - before[t] + first.counts[t]).toBe(expected[t]);
  });
});

describe('seed loader after a crash between store commits', () => {
  test('billing and gateway written, CRM not: the rerun completes CRM and duplicates nothing', async () => {
    const stores = await openStores(await createTestDatabases(), { migrate: false });
    try {
      const batch = Array.from({ length: 40 }, (_, i) => generateCustomer(i, 5, NOW, PURPOSES));
      const partial = emptyCounts();
      for (const [ds, write] of [[stores.billing, writeBilling], [stores.gateway, writeGateway]] as const) {
        const qr = ds.createQueryRunner();
        await qr.connect();
        await qr.startTransaction();
        await write(qr, batch, new Set(), partial);
        await qr.commitTransaction();
        await qr.release();
      }
      expect(partial.orders).toBeGreaterThan(0);
      const result = await loadSubjects(stores, { subjects: 40, seed: 5, now: NOW, consentPurposes: PURPOSES });
      expect(result.counts.orders + result.counts.consent_events).toBe(0);
      expect(await tableCounts(stores)).toEqual(expectedCounts(40, 5, NOW));
    } finally {
      await closeStores(stores);
    }
  });
});

describe('demo dataset', () => {
  test('loads 50 fixed customers once, then is a no-op', async () => {
    const stores = await openStores(await createTestDatabases(), { migrate: false });
    try {
      const loaded = await loadDemoDataset(stores, PURPOSES);
      expect(loaded?.customers).toBe(50);
      expect(loaded).toEqual(expectedCounts(50, 1, new Date('2026-01-01T00:00:00Z')));
      expect(await loadDemoDataset(stores, PURPOSES)).toBeNull();
      const [{ n }] = await stores.crm.query(`SELECT count(*)::int AS n FROM customers`);
      expect(n).toBe(50);
    } finally {
      await closeStores(stores);
    }
  });
});

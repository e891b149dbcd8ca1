import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DataSource, QueryRunner } from 'typeorm';
import type { Stores } from '../open-stores';
import { customerId, generateCustomer } from './generator';
import { emptyCounts, SeedSubject, TableCounts } from './types';
import { presentInCrm, writeBilling, writeCrm, writeGateway } from './write-stores';

/*
 * Loads generated subjects into the three stores, batch by batch. Each batch is one transaction
 * per store, and customers already loaded are skipped, so loading is idempotent: a rerun adds
 * nothing, and a run stopped half-way (Ctrl-C, crash) is completed by running it again with the
 * same seed and `now`.
 */

/** What to load: the generator's inputs plus batching, progress and cancellation. */
export interface LoadOptions {
  /** How many customers: indexes 0..subjects-1. */
  subjects: number;
  seed: number;
  /** Reference instant of the generator (see generator.ts). */
  now: Date;
  /** Purposes whose lawful basis is consent: the seeder records consent events for them. */
  consentPurposes: readonly string[];
  /** Customers per batch (one transaction per store per batch). Default 1000. */
  batchSize?: number;
  /** Called after each committed batch. */
  onProgress?: (p: { done: number; total: number; counts: TableCounts }) => void;
  /** Stops after the batch in progress has committed. */
  signal?: AbortSignal;
}

/** What a load did, for the CLI's summary line and for tests. */
export interface LoadResult {
  /** Rows inserted, per table (customers already present contribute nothing). */
  counts: TableCounts;
  /** Customers generated and checked (inserted or skipped). */
  processed: number;
  /** Customers the CRM store already held. */
  skipped: number;
  /** True when `signal` stopped the load before the end. */
  aborted: boolean;
}

/** Customers per batch: ~30k rows, big enough to amortise round trips, small enough to keep a rollback cheap. */
export const DEFAULT_BATCH_SIZE = 1000;

/** Runs `work` in a transaction on its own connection of `ds`. */
async function inTransaction<T>(ds: DataSource, work: (qr: QueryRunner) => Promise<T>): Promise<T> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  try {
    await qr.startTransaction();
    try {
      const out = await work(qr);
      await qr.commitTransaction();
      return out;
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  } finally {
    await qr.release();
  }
}

/** Generates one batch, yielding to the event loop now and then so the previous batch's SQL keeps flowing. */
async function generateBatch(from: number, to: number, opts: LoadOptions): Promise<SeedSubject[]> {
  const out: SeedSubject[] = [];
  for (let i = from; i < to; i++) {
    out.push(generateCustomer(i, opts.seed, opts.now, opts.consentPurposes));
    if ((i - from) % 100 === 99) await yieldToEventLoop();
  }
  return out;
}

/**
 * Generates and inserts `subjects` customers with all their rows, pipelined so that generation,
 * the billing and gateway stores, and the CRM store all work at the same time on different batches.
 */
export async function loadSubjects(stores: Stores, opts: LoadOptions): Promise<LoadResult> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(opts.subjects) || opts.subjects < 0) throw new RangeError('subjects must be a non-negative integer');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const counts = emptyCounts();
  let processed = 0;
  let skipped = 0;

  // Two stages per batch: billing + gateway, then CRM (CRM last: a customer in the CRM store is
  // then complete in all three, see write-stores.ts). CRM of batch k overlaps billing + gateway of
  // batch k+1 and the generation of batch k+2; at most two batches are in flight.
  const sides: Promise<void>[] = [];
  const crms: Promise<void>[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined); // awaited below; this keeps a failure during generation from being "unhandled"
    return p;
  };
  try {
    for (let start = 0, k = 0; start < opts.subjects; start += batchSize, k++) {
      if (opts.signal?.aborted) break;
      const end = Math.min(start + batchSize, opts.subjects);
      const batch = await generateBatch(start, end, opts);
      if (k >= 1) await sides[k - 1];
      if (k >= 2) await crms[k - 2];
      if (opts.signal?.aborted) break;
      const side = track((async () => {
        const inCrm = await presentInCrm(stores.crm, batch);
        await Promise.all([
          inTransaction(stores.billing, (qr) => writeBilling(qr, batch, inCrm, counts)),
          inTransaction(stores.gateway, (qr) => writeGateway(qr, batch, inCrm, counts)),
        ]);
      })());
      const previousCrm = k >= 1 ? crms[k - 1] : Promise.resolve();
      sides.push(side);
      crms.push(track((async () => {
        await side;
        await previousCrm;
        skipped += await inTransaction(stores.crm, (qr) => writeCrm(qr, batch, counts));
        processed = end;
        opts.onProgress?.({ done: end, total: opts.subjects, counts });
      })()));
    }
    await Promise.all([...sides.slice(-1), ...crms.slice(-2)]);
  } catch (err) {
    // Let every batch in flight settle before reporting, so no connection is left mid-transaction.
    await Promise.allSettled([...sides.slice(-2), ...crms.slice(-2)]);
    throw err;
  }
  return { counts, processed, skipped, aborted: processed < opts.subjects };
}

/** The demo dataset: identical everywhere because seed and reference date are fixed. */
export const DEMO = { subjects: 50, seed: 1, now: new Date('2026-01-01T00:00:00Z') } as const;

/**
 * Loads the 50-customer demo dataset on first start (the gateway calls this when it runs on the
 * embedded PostgreSQL). A no-op returning null when the first demo customer already exists, so
 * restarts and manual edits of the demo data are left alone.
 */
export async function loadDemoDataset(stores: Stores, consentPurposes: readonly string[]): Promise<TableCounts | null> {
  const rows: unknown[] = await stores.crm.query('SELECT 1 FROM customers WHERE id = $1', [customerId(0, DEMO.seed)]);
  if (rows.length > 0) return null;
  const result = await loadSubjects(stores, { subjects: DEMO.subjects, seed: DEMO.seed, now: DEMO.now, consentPurposes });
  return result.counts;
}

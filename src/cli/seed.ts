import 'reflect-metadata';
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfig } from '../config';
import { log, setLogLevel } from '../log';
import { closeStores, openStores, resolveDatabaseUrls, Stores } from '../stores/open-stores';
import type { EmbeddedCluster } from '../db/embedded-postgres';
import { MAX_SEED, startOfUtcDay } from '../stores/demo/generator';
import { DEFAULT_BATCH_SIZE, loadSubjects, LoadResult } from '../stores/demo/loader';
import { totalRows } from '../stores/demo/types';
import { HelpRequested, runCli, startupExitCode, stopCluster, UsageError } from './run-cli';
export { UsageError };

/**
 * `npm run seed -- --subjects N [--seed S] [--now ISO] [--batch B]`: fills the stores with N
 * synthetic customers (src/stores/demo/generator.ts) for development and load tests.
 *
 * Reproducible: the data depends only on (seed, now). `--now` defaults to today at 00:00 UTC, so
 * two runs on the same day give identical data; pass `--now` to reproduce a dataset another day.
 * Idempotent: customers already loaded are skipped, so rerunning completes an interrupted run.
 * With no database URLs configured it uses the embedded PostgreSQL (GATEWAY_DATA_DIR/pg) that
 * `npm start` runs, or starts one, and writes as its owner. Progress on stderr; one summary line on stdout. Exit codes: 0 done,
 * 1 failed, 2 bad arguments or configuration, 130 interrupted (SIGINT/SIGTERM: committed batches
 * are kept, the one in progress commits or rolls back whole; rerun the same command to complete).
 */
const USAGE = 'usage: npm run seed -- --subjects N [--seed S] [--now ISO-8601] [--batch B]';
const MAX_SUBJECTS = 10_000_000;

/** The validated command line. */
export interface SeedArgs {
  subjects: number;
  seed: number;
  now: Date;
  batch: number;
}


function integer(name: string, raw: string | undefined, min: number, max: number, fallback?: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** Parses and validates the command line; `today` is injectable for tests. */
export function parseSeedArgs(argv: string[], today: Date = new Date()): SeedArgs {
  const options = {
    subjects: { type: 'string' }, seed: { type: 'string' }, now: { type: 'string' }, batch: { type: 'string' }, help: { type: 'boolean' },
  } as const;
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; strict: true; allowPositionals: false }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) throw new HelpRequested();
  let now = startOfUtcDay(today);
  if (values.now !== undefined) {
    // A date or a full timestamp with its zone: "2026-01-01" or "2026-01-01T00:00:00Z".
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(values.now) || Number.isNaN(Date.parse(values.now))) {
      throw new UsageError(`--now must be an ISO 8601 date or timestamp with a zone, e.g. 2026-01-01 or 2026-01-01T00:00:00Z, got "${values.now}"`);
    }
    now = new Date(values.now);
  }
  return {
    subjects: integer('subjects', values.subjects, 1, MAX_SUBJECTS),
    seed: integer('seed', values.seed, 0, MAX_SEED, 1),
    now,
    batch: integer('batch', values.batch, 1, 10_000, DEFAULT_BATCH_SIZE),
  };
}

/**
 * The purposes whose lawful basis is consent, from the policy pack: the seeder records consents
 * only for those. Read leniently (no full validation) so seeding works while a pack is being
 * written; without a pack file, `marketing`.
 */
export function consentPurposesFrom(policyPath: string): string[] {
  if (!fs.existsSync(policyPath)) return ['marketing'];
  const doc: unknown = parseYaml(fs.readFileSync(policyPath, 'utf8'));
  const purposes = (doc as { purposes?: unknown } | null)?.purposes;
  if (!Array.isArray(purposes)) return [];
  return purposes
    .filter((p): p is { key: string; lawful_basis: string } => typeof p?.key === 'string' && p?.lawful_basis === 'consent')
    .map((p) => p.key);
}

/** Stopping the cluster waits for its process to exit; if it already died (terminal Ctrl-C reaches it too), don't hang. */
async function main(argv: string[]): Promise<number> {
  let args: SeedArgs;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = parseSeedArgs(argv);
    config = loadConfig();
  } catch (err) {
    return startupExitCode('seed', USAGE, err);
  }
  setLogLevel(config.logLevel);
  const consentPurposes = consentPurposesFrom(config.policyPath);

  const abort = new AbortController();
  const onSignal = (signal: string) => {
    if (abort.signal.aborted) {
      process.stderr.write(`\nseed: second ${signal}, exiting now (the batch in progress is rolled back)\n`);
      process.exit(130);
    }
    // With external databases the batch in progress commits, then the load stops. The embedded
    // PostgreSQL stops at once on SIGINT/SIGTERM (its package hooks them, and a terminal's Ctrl-C
    // reaches the server too): the batch in progress is rolled back. Either way nothing is half-written.
    process.stderr.write(`\nseed: ${signal}: stopping; committed batches are kept\n`);
    abort.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  let cluster: EmbeddedCluster | null = null;
  let stores: Stores | null = null;
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'seeding [{bar}] {percentage}% | {value}/{total} customers | {rows} rows | ETA {eta_formatted}',
    hideCursor: true,
    etaBuffer: 20,
  });
  try {
    const resolved = await resolveDatabaseUrls(config);
    cluster = resolved.cluster;
    if (abort.signal.aborted) return 130;
    stores = await openStores(resolved.ownerUrls, { migrate: true, runtimeRole: config.runtimeRole }); // the owner writes the company's stores
    log.info('seeding', { subjects: args.subjects, seed: args.seed, now: args.now.toISOString(), batch: args.batch, consentPurposes });

    const started = process.hrtime.bigint();
    bar.start(args.subjects, 0, { rows: 0 });
    let result: LoadResult;
    try {
      result = await loadSubjects(stores, {
        subjects: args.subjects, seed: args.seed, now: args.now, consentPurposes, batchSize: args.batch, signal: abort.signal,
        onProgress: ({ done, counts }) => bar.update(done, { rows: totalRows(counts) }),
      });
    } finally {
      bar.stop();
    }
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const customers = result.counts.customers;
    const rows = totalRows(result.counts);
    const skipped = result.skipped > 0 ? `; ${result.skipped} already present, skipped` : '';
    process.stdout.write(
      `loaded ${customers} customers (${rows} rows) in ${secs.toFixed(1)} s: ` +
        `${Math.round(customers / secs)} customers/s, ${Math.round(rows / secs)} rows/s${skipped}\n`,
    );
    if (result.aborted) {
      process.stderr.write(`seed: interrupted after ${result.processed} of ${args.subjects}; rerun the same command to complete\n`);
      return 130;
    }
    return 0;
  } catch (err) {
    // Messages only: a query error's parameters are personal data.
    const message = err instanceof Error ? err.message : String(err);
    if (abort.signal.aborted) {
      process.stderr.write(`seed: interrupted (${message}); the batch in progress was rolled back, rerun the same command to complete\n`);
      return 130;
    }
    log.error('seeding failed', { error: message });
    return 1;
  } finally {
    if (stores) await closeStores(stores).catch(() => undefined);
    if (cluster) await stopCluster(cluster).catch(() => undefined);
  }
}

if (require.main === module) runCli('seed', main);

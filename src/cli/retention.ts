import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { log, setLogLevel } from '../log';
import { loadPack, PackError } from '../policy/load-pack';
import { describeSweep } from '../rights/retention-sweep-report';
import { DEFAULT_SWEEP_BATCH, runRetentionSweep } from '../rights/retention-sweep-run';
import { parseCommandLine, runCli, startupExitCode, UsageError, withStores } from './run-cli';
export { UsageError };

/**
 * `npm run retention -- sweep [--dry-run] [--batch N] [--now ISO] [--json]`: deletes (or
 * anonymises where a parent row must stay) every record older than the longest retention the
 * pack in force gives its categories (src/rights/retention-sweep-run.ts), in batches of N rows, each
 * committed. Safe on a schedule: a second run changes nothing; an interrupted run is completed by
 * the next. `--dry-run` only counts. `--now` sweeps as of another instant (tests, rehearsals).
 *
 * One line per table and category group on stdout (or one JSON object with --json), warnings
 * (categories no purpose covers, which are kept) on stderr. Exit codes: 0 done, 1 failed,
 * 2 bad arguments or configuration. With no database URLs configured it uses the embedded
 * PostgreSQL (GATEWAY_DATA_DIR/pg) that `npm start` runs, or starts one and stops it at the end.
 * It runs as the gateway's runtime role, which may update and delete in the CRM and billing stores.
 */
const USAGE = 'usage: npm run retention -- sweep [--dry-run] [--batch N] [--now ISO-8601] [--json]';

export interface RetentionArgs {
  command: 'sweep';
  dryRun: boolean;
  batch: number;
  now: Date | null;
  json: boolean;
}


export function parseRetentionArgs(argv: string[]): RetentionArgs {
  const options = {
    'dry-run': { type: 'boolean' }, batch: { type: 'string' }, now: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  } as const;
  const { values } = parseCommandLine(argv, options, ['sweep']);
  let batch = DEFAULT_SWEEP_BATCH;
  if (values.batch !== undefined) {
    if (!/^\d+$/.test(values.batch) || Number(values.batch) < 1 || Number(values.batch) > 100_000) throw new UsageError(`--batch must be an integer from 1 to 100000, got "${values.batch}"`);
    batch = Number(values.batch);
  }
  let now: Date | null = null;
  if (values.now !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(values.now) || Number.isNaN(Date.parse(values.now))) {
      throw new UsageError(`--now must be an ISO 8601 date or timestamp with a zone, got "${values.now}"`);
    }
    now = new Date(values.now);
  }
  return { command: 'sweep', dryRun: values['dry-run'] ?? false, batch, now, json: values.json ?? false };
}

async function main(argv: string[]): Promise<number> {
  let args: RetentionArgs;
  let config: ReturnType<typeof loadConfig>;
  let pack: ReturnType<typeof loadPack>;
  try {
    args = parseRetentionArgs(argv);
    config = loadConfig();
    pack = loadPack(config.policyPath);
  } catch (err) {
    return startupExitCode('retention', USAGE, err);
  }
  setLogLevel(config.logLevel);

  return withStores(config, 'retention sweep', async (stores) => {
    const report = await runRetentionSweep(stores, pack, {
      now: args.now ?? new Date(), dryRun: args.dryRun, batchSize: args.batch,
      onProgress: ({ table, action, rows }) => log.debug('retention batch', { table, action, rows }),
    });
    for (const w of report.warnings) process.stderr.write(`retention: warning: ${w.message}\n`);
    if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else for (const line of describeSweep(report)) process.stdout.write(`${line}\n`);
    return 0;
  }, undefined, { as: 'runtime' }); // the gateway's role: it may update and delete in the company's stores, and only read the gateway's
}

if (require.main === module) runCli('retention', main);

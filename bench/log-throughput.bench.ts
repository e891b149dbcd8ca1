import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { AccessLogWriter, createGroupCommitWriter, RequestMeta } from '../src/audit/log-writer';
import { signingKey } from '../src/audit/checkpoint';
import { startCheckpointer } from '../src/audit/checkpointer';
import { DecisionRecord } from '../src/audit/decision-record';
import { BenchEnv } from './setup';
import { cpuBetween, postmasterPid, sampleCpu } from './load-cpu';

/**
 * Sustained access-log rows per second through the group-commit path: many concurrent
 * "requests" append decision sets and wait for their commit, as the HTTP layer does. Measured
 * with one batch at a time (the writer before batches overlapped) and with the default two, in
 * the same run, with where the CPU went (BENCH_LOG_WRITERS=1,2,3 picks the settings); then rows of
 * one category, two batches at a time. Last, checkpointing (src/audit/checkpointer.ts) on vs off:
 * the default writer with and without a checkpointer signing the chain head every
 * BENCH_CHECKPOINT_MS (100 ms: a hundred times the default rate), interleaved off/on twice.
 */
const TARGET = 50_000;

export async function benchLogThroughput(env: BenchEnv): Promise<void> {
  const concurrency = Number(process.env.BENCH_LOG_CONCURRENCY ?? 64);
  const perRequest = Number(process.env.BENCH_LOG_ROWS ?? 60);
  const requests = Number(process.env.BENCH_LOG_REQUESTS ?? 4000);
  // Each row: one decision on one customer covering three categories (three records grouped into
  // one row by the writer, decision-rows.ts), as a read of name, email and phone writes; or one
  // category, the smallest row (one entry), as a read of names alone writes.
  const parts: [string, string, string[]][] = [['identity.name', 'Customer', ['firstName', 'lastName']], ['contact.email', 'Email', ['emails.0.address']], ['contact.phone', 'Phone', ['phones.0.number']]];
  const recordsOf = (categories: number): DecisionRecord[] => Array.from({ length: perRequest }, (_, i) => parts.slice(0, categories).map(([category, typeName, fields]): DecisionRecord => ({
    customerId: `cus_bench_${i}`, typeName, recordPath: `customers.${i}`, fields, category,
    effect: i % 5 === 0 ? 'DENY' : 'ALLOW', reason: i % 5 === 0 ? 'NO_CONSENT' : null, rule: 'purposes.marketing.lawful_basis',
  }))).flat();
  const pct = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(0)}%`);
  console.log(`## Access log group commit: ${requests} appends x ${perRequest} rows from ${concurrency} concurrent requests`);
  const runs = (process.env.BENCH_LOG_WRITERS ?? '1,2').split(',').map((w) => ({ categories: 3, maxWriters: Number(w) }));
  for (const { categories, maxWriters } of [...runs, { categories: 1, maxWriters: 2 }]) {
    const records = recordsOf(categories);
    const caller = `bench-c${categories}-w${maxWriters}`;
    const writer = createGroupCommitWriter(env.stores.gateway, { maxWriters });
    let next = 0;
    const latencies: number[] = [];
    const pids = { gateway: null, postmaster: postmasterPid(env.cluster.dir) };
    const cpu0 = sampleCpu(pids);
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
      while (next++ < requests) {
        const meta: RequestMeta = { requestId: `${caller}-${w}-${next}`, caller, roles: ['service'], purpose: 'marketing', justification: null, clientAddress: '127.0.0.1', policyHash: 'bench', at: new Date() };
        const s = process.hrtime.bigint();
        await writer.append(meta, records);
        latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuBetween(cpu0, sampleCpu(pids), pids);
    await writer.close();
    // Counted, not assumed: requests x perRequest rows if the writer grouped as it should.
    const [{ batches, rows, entries }] = await env.stores.gateway.query(
      `SELECT count(DISTINCT batch_id)::int AS batches, count(*)::int AS rows, sum(cardinality(categories))::int AS entries FROM access_log WHERE caller = $1`, [caller]);
    latencies.sort((a, b) => a - b);
    console.log(`  rows of ${categories} categor${categories === 1 ? 'y' : 'ies'}, ${maxWriters} batch${maxWriters > 1 ? 'es' : ''} at a time${maxWriters === 2 ? ' (the default)' : ''}:`);
    console.log(`    ${rows} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s, ${Math.round(entries / seconds)} entries/s (target >= ${TARGET}: ${(rows / seconds / TARGET).toFixed(2)}x); ${batches} batches, ${(requests / batches).toFixed(1)} requests per commit`);
    console.log(`    commit wait per request: p50 ${latencies[Math.floor(latencies.length / 2)].toFixed(1)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)].toFixed(1)} ms`);
    console.log(`    CPU (% of one core): this process ${pct(cpu.generatorPct)}, PostgreSQL ${pct(cpu.postgresPct)}; machine busy ${pct(cpu.machineBusyPct)} of both cores`);
  }
  console.log('');
  await benchCheckpointing(env, recordsOf(3), requests, concurrency);
}

/** `requests` appends of `records` from `concurrency` concurrent "requests"; seconds from first to last commit. */
async function appendAll(writer: AccessLogWriter, caller: string, records: DecisionRecord[], requests: number, concurrency: number): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    while (next++ < requests) {
      await writer.append({ requestId: `${caller}-${w}-${next}`, caller, roles: ['service'], purpose: 'marketing', justification: null, clientAddress: '127.0.0.1', policyHash: 'bench', at: new Date() }, records);
    }
  }));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function benchCheckpointing(env: BenchEnv, records: DecisionRecord[], requests: number, concurrency: number): Promise<void> {
  const intervalMs = Number(process.env.BENCH_CHECKPOINT_MS ?? 100);
  console.log(`## Checkpointing off the request path: the same appends with a checkpointer signing the head every ${intervalMs} ms (default 10 s) vs none`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-checkpoints-'));
  const key = signingKey('bench.invalid/privacy-gateway/access-log', generateKeyPairSync('ed25519').privateKey);
  const rates: Record<'off' | 'on', number[]> = { off: [], on: [] };
  let checkpoints = 0;
  const count = () => fs.readdirSync(dir).filter((f) => f.endsWith('.checkpoint')).length;
  try {
    for (const round of [1, 2]) {
      for (const mode of ['off', 'on'] as const) {
        const caller = `bench-checkpoint-${mode}-${round}`;
        const writer = createGroupCommitWriter(env.stores.gateway);
        const before = count();
        const checkpointer = mode === 'on' ? await startCheckpointer(env.stores.gateway, { dir, key, replica: `bench-${round}`, intervalMs }) : null;
        const seconds = await appendAll(writer, caller, records, requests, concurrency);
        await writer.close();
        await checkpointer?.close();
        const written = count() - before;
        checkpoints += written;
        const [{ rows }] = await env.stores.gateway.query(`SELECT count(*)::int AS rows FROM access_log WHERE caller = $1`, [caller]);
        rates[mode].push(rows / seconds);
        console.log(`  round ${round}, checkpointer ${mode.padEnd(3)}: ${rows} rows in ${seconds.toFixed(1)} s = ${Math.round(rows / seconds)} rows/s${checkpointer ? `, ${written} checkpoints written` : ''}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const ratios = rates.on.map((on, i) => (on / rates.off[i]).toFixed(3));
  console.log(`  throughput with / without checkpointer: ${(mean(rates.on) / mean(rates.off)).toFixed(3)} (per round: ${ratios.join(', ')}); ${checkpoints} checkpoints in all`);
  console.log('');
}

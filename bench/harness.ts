import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * Load driver for the benchmarks: a fixed number of requests from a bounded number of concurrent
 * clients over loopback keep-alive HTTP, returning latencies. No timing targets live in tests;
 * they live here and are printed as ratios against a baseline measured in the same run.
 */
export interface RunResult {
  latenciesMs: number[];
  seconds: number;
  errors: number;
  sqlStatements: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function drive(server: http.Server, opts: { requests: number; concurrency: number; body: string; headers: Record<string, string> }): Promise<RunResult> {
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latenciesMs: number[] = [];
  let errors = 0;
  let sqlStatements = 0;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/graphql', agent, headers: { 'content-type': 'application/json', ...opts.headers } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.statusCode !== 200) errors++;
          sqlStatements = Number(res.headers['x-sql-statements'] ?? 0);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(opts.body);
    });
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next++ < opts.requests) await one();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { latenciesMs: latenciesMs.sort((a, b) => a - b), seconds, errors, sqlStatements };
}

export function summary(r: RunResult): { p50: number; p99: number; rps: number; errors: number; sql: number } {
  return { p50: percentile(r.latenciesMs, 50), p99: percentile(r.latenciesMs, 99), rps: r.latenciesMs.length / r.seconds, errors: r.errors, sql: r.sqlStatements };
}

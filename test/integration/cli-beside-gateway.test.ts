import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { STORE_DEFINITIONS } from '../../ormconfig';
import { loadConfig } from '../../src/config';
import { loadPack } from '../../src/policy/load-pack';
import { DEMO } from '../../src/stores/demo/loader';
import { describeSweep } from '../../src/rights/retention-sweep-report';
import { runRetentionSweep } from '../../src/rights/retention-sweep-run';
import { closeStores, openStores } from '../../src/stores/open-stores';
import { TEST_SECRET } from '../support/gateway';
import { freePort, graphql, MAIN, tokenFor } from '../support/processes';

/**
 * Issue 15, item 5: the CLIs beside a running `npm start`. With no database URL, `npm start` runs
 * the embedded PostgreSQL on GATEWAY_DATA_DIR/pg and prints the connection URLs of its two roles;
 * `audit verify`, `retention sweep --dry-run` and `migrate` run meanwhile use that server (the data
 * folder says it runs) instead of starting a second one on the same folder, and leave it running.
 * With nothing running, a CLI starts its own and stops it again.
 */
jest.setTimeout(180_000);
const ROOT = path.resolve(__dirname, '../..');
const DIR = path.join(ROOT, '.data', `cli-beside-${process.pid}`);
const CLI = (name: string) => path.join(ROOT, 'dist/src/cli', `${name}.js`);
let env: NodeJS.ProcessEnv;
let gateway: ChildProcess;
let stdout = '';
let port = 0;
let urls: { owner: string; runtime: string };

interface Run { code: number | null; stdout: string; stderr: string }

function run(cli: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI(cli), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('exit', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

/** The JSON log lines' messages (a progress bar shares stderr). */
const messages = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

async function chain(): Promise<string> {
  const [r] = await query<{ batches: number; rows: number }>(urls.owner, 'SELECT (SELECT count(*)::int FROM access_log_batches) AS batches, (SELECT count(*)::int FROM access_log) AS rows');
  return `chain ok: ${r.batches} batches, ${r.rows} rows (from genesis)\n`;
}

async function readCustomer(): Promise<number> {
  const r = await graphql(port, { token: await tokenFor('crm-service', ['service']), purpose: 'account_management', query: '{ customer(id: "cus_1_000001") { id firstName } }' });
  return r.status;
}

const pidFile = () => path.join(DIR, 'pg', 'postmaster.pid');

beforeAll(async () => {
  fs.rmSync(DIR, { recursive: true, force: true });
  const { GATEWAY_DATABASE_URL: _g, CRM_DATABASE_URL: _c, BILLING_DATABASE_URL: _b, ...rest } = process.env;
  env = { ...rest, GATEWAY_DATA_DIR: DIR, EMBEDDED_PG_PORT: String(await freePort()), GATEWAY_JWT_SECRET: TEST_SECRET, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', GATEWAY_SEED_DEMO: 'true' };
  gateway = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  gateway.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8_000)));
  gateway.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not print its welcome: ${stderr}`)), 120_000);
    gateway.stdout!.on('data', (c: string) => {
      stdout += c;
      if (stdout.includes('Ctrl-C stops')) {
        clearTimeout(timer);
        resolve();
      }
    });
    gateway.once('exit', (code) => reject(new Error(`npm start exited (${code}): ${stderr}`)));
  });
  port = Number(/at http:\/\/127\.0\.0\.1:(\d+)\/graphql/.exec(stdout)![1]);
  urls = {
    owner: /owner \(migrations, prune; a superuser here\): +(\S+)/.exec(stdout)![1],
    runtime: /runtime \(the gateway's own connection\): +(\S+)/.exec(stdout)![1],
  };
});

afterAll(async () => {
  if (gateway && gateway.exitCode === null) {
    gateway.kill('SIGINT');
    await new Promise((resolve) => gateway.once('exit', resolve));
  }
  fs.rmSync(DIR, { recursive: true, force: true });
});

test('npm start prints the connection URLs of both roles, which work from outside (psql would do the same)', async () => {
  const pgPort = Number(fs.readFileSync(pidFile(), 'utf8').split('\n')[3]);
  expect(urls.owner).toMatch(new RegExp(`^postgres://postgres:[A-Za-z0-9_-]+@127\\.0\\.0\\.1:${pgPort}/gateway$`));
  expect(urls.runtime).toMatch(new RegExp(`^postgres://privacy_gateway_app:[A-Za-z0-9_-]+@127\\.0\\.0\\.1:${pgPort}/gateway$`));
  expect(await query(urls.owner, 'SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user')).toEqual([{ role: 'postgres', superuser: true }]);
  expect(await query(urls.runtime, 'SELECT current_user AS role, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user')).toEqual([{ role: 'privacy_gateway_app', superuser: false }]);
  await expect(query(urls.runtime, 'DELETE FROM access_log_batches')).rejects.toMatchObject({ code: '42501', message: 'permission denied for table access_log_batches' });
  // The passwords are the data folder's, not the source's.
  expect(JSON.parse(fs.readFileSync(path.join(DIR, 'pg', 'gateway-credentials.json'), 'utf8'))).toEqual({
    superuser: { user: 'postgres', password: new URL(urls.owner).password },
    runtime: { user: 'privacy_gateway_app', password: new URL(urls.runtime).password },
  });
  expect(fs.statSync(path.join(DIR, 'pg', 'gateway-credentials.json')).mode & 0o777).toBe(0o600);
});

test('`audit verify` and `retention sweep --dry-run` run beside the running gateway, on its PostgreSQL, and leave both running', async () => {
  expect(await readCustomer()).toBe(200);
  const pid = fs.readFileSync(pidFile(), 'utf8').split('\n')[0];

  const verify = await run('audit', ['verify']);
  expect({ code: verify.code, stdout: verify.stdout }).toEqual({ code: 0, stdout: await chain() });
  expect(messages(verify.stderr)).toEqual(['embedded PostgreSQL already running: using it']);

  const sweep = await run('retention', ['sweep', '--dry-run', '--now', DEMO.now.toISOString()]);
  // The same sweep, run here on the same server, says the same.
  const config = loadConfig({ GATEWAY_JWT_SECRET: TEST_SECRET });
  const stores = await openStores({ gateway: urls.runtime, crm: urls.runtime.replace(/\/gateway$/, '/crm'), billing: urls.runtime.replace(/\/gateway$/, '/billing') }, { migrate: false });
  let expected: string[];
  try {
    expected = describeSweep(await runRetentionSweep(stores, loadPack(config.policyPath), { now: DEMO.now, dryRun: true, batchSize: 5000 }));
  } finally {
    await closeStores(stores);
  }
  expect({ code: sweep.code, stdout: sweep.stdout }).toEqual({ code: 0, stdout: `${expected.join('\n')}\n` });
  expect(expected[expected.length - 1]).toMatch(/^dry run: \d+ rows past retention under pack smarttech at 2026-01-01T00:00:00\.000Z \(0 erased customers\)$/);
  expect(messages(sweep.stderr)).toEqual(['embedded PostgreSQL already running: using it']);

  const migrate = await run('migrate', []);
  expect({ code: migrate.code, stdout: migrate.stdout }).toEqual({
    code: 0, stdout: (['gateway', 'crm', 'billing'] as const).map((s) => `${s}: ${STORE_DEFINITIONS[s].migrations!.length} migrations applied\n`).join(''),
  });

  // The same server still runs, and the gateway still answers and logs.
  expect(fs.readFileSync(pidFile(), 'utf8').split('\n')[0]).toBe(pid);
  expect(await readCustomer()).toBe(200);
  const again = await run('audit', ['verify']);
  expect({ code: again.code, stdout: again.stdout }).toEqual({ code: 0, stdout: await chain() });
});

test('with nothing running, a CLI starts the embedded PostgreSQL itself and stops it at the end', async () => {
  const expected = await chain();
  gateway.kill('SIGINT');
  expect(await new Promise((resolve) => gateway.once('exit', resolve))).toBe(0);
  expect(fs.existsSync(pidFile())).toBe(false);
  const verify = await run('audit', ['verify']);
  expect({ code: verify.code, stdout: verify.stdout }).toEqual({ code: 0, stdout: expected });
  expect(messages(verify.stderr)).toEqual(['embedded PostgreSQL started']);
  expect(fs.existsSync(pidFile())).toBe(false);
});

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { dataSourceFor } from '../../ormconfig';
import { startTestGateway, TestGateway, TEST_SECRET } from '../support/gateway';
import { createTestDatabases, runtimeUrls } from '../support/test-stores';
import { MAIN } from '../support/processes';
import { ADULT, insertCustomers } from '../fixtures/customers';
import { monthStart, partitionName } from '../../src/audit/partitions';
import { createGroupCommitWriter } from '../../src/audit/log-writer';
import { verifyChain } from '../../src/audit/verify-chain';
import { DEFAULT_RUNTIME_ROLE, unsafePrivileges } from '../../src/stores/runtime-role';
import { unsafeStorePrivileges } from '../../src/stores/open-stores';

/**
 * Two roles (issue 15, item 1). The migrations run as the owner; the gateway connects as the
 * runtime role, which may only read and append to the log and its batches and owns nothing. As
 * that role every way of changing the log is refused with PostgreSQL's permission error (42501),
 * so the attack of the issue (disable the trigger, grant itself DELETE, delete the newest batch)
 * stops at its first step; and a gateway whose role could change the log refuses to run.
 */
const APP = DEFAULT_RUNTIME_ROLE;
let gw: TestGateway;
/** A plain connection as the runtime role (TypeORM hides notices), and the notices it received. */
let runtime: Client;
const notices: string[] = [];
let partition: string;

const QUERY = `{ customer(id: "${ADULT.id}") { id firstName emails { address } } }`;

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT]);
  for (let i = 0; i < 3; i++) {
    const r = await gw.gql({ token: await gw.token('crm-service'), purpose: 'account_management', query: QUERY });
    expect(r.status).toBe(200);
  }
  runtime = new Client({ connectionString: (gw.runtime.gateway.options as { url: string }).url });
  await runtime.connect();
  runtime.on('notice', (n) => notices.push(n.message ?? ''));
  const [{ logged_at }] = await gw.stores.gateway.query(`SELECT logged_at FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1`);
  partition = partitionName(monthStart(logged_at));
});
afterAll(async () => {
  await runtime.end();
  await gw.close();
});

/** The error PostgreSQL answered with: its code and message (nothing else of it is asserted). */
async function refusal(sql: string): Promise<{ code: string; message: string } | 'accepted'> {
  try {
    await runtime.query(sql);
    return 'accepted';
  } catch (err) {
    const e = err as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
}
const denied = (message: string) => ({ code: '42501', message });

async function chainState(): Promise<{ batches: number; rows: number; newest: string }> {
  const [r] = await gw.stores.gateway.query(
    `SELECT (SELECT count(*)::int FROM access_log_batches) AS batches, (SELECT count(*)::int FROM access_log) AS rows,
            (SELECT id::text FROM access_log_batches ORDER BY chain_seq DESC LIMIT 1) AS newest`);
  return r;
}

test('the gateway connects as the runtime role, which owns nothing and is no superuser', async () => {
  expect(await runtime.query(`SELECT current_user AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`))
    .toMatchObject({ rows: [{ role: APP, superuser: false }] });
  expect(await unsafeStorePrivileges(gw.runtime)).toEqual([]);
  expect((await request(gw.gateway.server).get('/readyz')).body).toEqual({ status: 'ready', stores: { gateway: 'ok', crm: 'ok', billing: 'ok' } });
});

test('as the runtime role, UPDATE, DELETE, TRUNCATE, ALTER TABLE ... DISABLE TRIGGER and GRANT all fail (42501), and nothing changes', async () => {
  const before = await chainState();
  const attempts: Record<string, unknown> = {
    'UPDATE access_log': await refusal(`UPDATE access_log SET effect = 'ALLOW'`),
    'UPDATE access_log_batches': await refusal(`UPDATE access_log_batches SET row_count = 0`),
    'DELETE access_log': await refusal(`DELETE FROM access_log`),
    'DELETE access_log_batches': await refusal(`DELETE FROM access_log_batches`),
    'DELETE partition': await refusal(`DELETE FROM ${partition}`),
    'TRUNCATE access_log': await refusal(`TRUNCATE access_log`),
    'TRUNCATE access_log_batches': await refusal(`TRUNCATE access_log_batches`),
    'TRUNCATE partition': await refusal(`TRUNCATE ${partition}`),
    'DISABLE TRIGGER access_log': await refusal(`ALTER TABLE access_log DISABLE TRIGGER access_log_insert_only`),
    'DISABLE TRIGGER batches': await refusal(`ALTER TABLE access_log_batches DISABLE TRIGGER ALL`),
    'DISABLE TRIGGER partition': await refusal(`ALTER TABLE ${partition} DISABLE TRIGGER ${partition}_no_truncate`),
    'DROP partition': await refusal(`DROP TABLE ${partition}`),
    'DETACH partition': await refusal(`ALTER TABLE access_log DETACH PARTITION ${partition}`),
    'CREATE TRIGGER': await refusal(`CREATE TRIGGER t BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION forbid_log_change()`),
    'triggers off for the session': await refusal(`SET session_replication_role = replica`),
    'GRANT on a partition': await refusal(`GRANT DELETE ON ${partition} TO ${APP}`),
    'GRANT the owner role': await refusal(`GRANT postgres TO ${APP}`),
    'become a superuser': await refusal(`ALTER ROLE ${APP} SUPERUSER`),
  };
  expect(attempts).toEqual({
    'UPDATE access_log': denied('permission denied for table access_log'),
    'UPDATE access_log_batches': denied('permission denied for table access_log_batches'),
    'DELETE access_log': denied('permission denied for table access_log'),
    'DELETE access_log_batches': denied('permission denied for table access_log_batches'),
    'DELETE partition': denied(`permission denied for table ${partition}`),
    'TRUNCATE access_log': denied('permission denied for table access_log'),
    'TRUNCATE access_log_batches': denied('permission denied for table access_log_batches'),
    'TRUNCATE partition': denied(`permission denied for table ${partition}`),
    'DISABLE TRIGGER access_log': denied('must be owner of table access_log'),
    'DISABLE TRIGGER batches': denied('must be owner of table access_log_batches'),
    'DISABLE TRIGGER partition': denied(`must be owner of table ${partition}`),
    'DROP partition': denied(`must be owner of table ${partition}`),
    'DETACH partition': denied('must be owner of table access_log'),
    'CREATE TRIGGER': denied('permission denied for table access_log'),
    'triggers off for the session': denied('permission denied to set parameter "session_replication_role"'),
    'GRANT on a partition': denied(`permission denied for table ${partition}`),
    'GRANT the owner role': denied('permission denied to grant role "postgres"'),
    'become a superuser': denied('permission denied to alter role'),
  });
  // On a table it may read and append to, GRANT is accepted with a warning and grants nothing
  // (PostgreSQL: privileges without the grant option cannot be passed on).
  notices.length = 0;
  for (const t of ['access_log', 'access_log_batches']) await runtime.query(`GRANT UPDATE, DELETE, TRUNCATE ON ${t} TO ${APP}`);
  expect(notices).toEqual(['no privileges were granted for "access_log"', 'no privileges were granted for "access_log_batches"']);
  expect(await refusal(`DELETE FROM access_log_batches`)).toEqual(denied('permission denied for table access_log_batches'));
  expect(await chainState()).toEqual(before);
});

test("the issue's attack (disable the trigger, grant DELETE, delete the newest batch) fails at its first step; the chain still verifies", async () => {
  const before = await chainState();
  // Step 1 fails: the runtime role owns nothing, so it cannot alter a table's triggers.
  expect(await refusal(`ALTER TABLE access_log_batches DISABLE TRIGGER access_log_batches_insert_only`)).toEqual(denied('must be owner of table access_log_batches'));
  // The next steps fail as well, taken anyway.
  notices.length = 0;
  await runtime.query(`GRANT DELETE ON access_log_batches, access_log TO ${APP}`);
  expect(notices).toEqual(['no privileges were granted for "access_log_batches"', 'no privileges were granted for "access_log"']);
  expect(await refusal(`DELETE FROM access_log WHERE batch_id = ${before.newest}`)).toEqual(denied('permission denied for table access_log'));
  expect(await refusal(`DELETE FROM access_log_batches WHERE id = ${before.newest}`)).toEqual(denied('permission denied for table access_log_batches'));
  expect(await chainState()).toEqual(before);
  expect(await verifyChain(gw.stores.gateway)).toEqual({ ok: true, batches: before.batches, rows: before.rows, anchor: null, firstBroken: null });
});

test('a gateway whose role could change the log is not ready: /readyz answers 503 naming each wrong grant and its fix', async () => {
  const owner = gw.stores.gateway;
  const wrong = [
    `GRANT UPDATE ON access_log TO ${APP}`,
    `GRANT DELETE ON access_log_batches TO PUBLIC`,
    `GRANT UPDATE (hash) ON access_log_batches TO ${APP}`,
    `GRANT SELECT ON consent_events TO ${APP} WITH GRANT OPTION`,
    `ALTER TABLE access_log_prunes OWNER TO ${APP}`,
  ];
  const undo = [
    `ALTER TABLE access_log_prunes OWNER TO postgres`,
    `REVOKE GRANT OPTION FOR SELECT ON consent_events FROM ${APP}`,
    `REVOKE UPDATE (hash) ON access_log_batches FROM ${APP}`,
    `REVOKE DELETE ON access_log_batches FROM PUBLIC`,
    `REVOKE UPDATE ON access_log FROM ${APP}`,
  ];
  for (const sql of wrong) await owner.query(sql);
  try {
    const r = await request(gw.gateway.server).get('/readyz');
    expect({ status: r.status, body: r.body }).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        stores: {
          gateway: 'unsafe privileges: ' + [
            `${APP} owns table access_log_prunes, sequence access_log_prunes_id_seq: the gateway's role must own nothing (the owner must be another role, the one that runs the migrations)`,
            `${APP} may UPDATE access_log: REVOKE UPDATE ON access_log FROM ${APP}`,
            `${APP} may DELETE access_log_batches (granted to PUBLIC): REVOKE DELETE ON access_log_batches FROM PUBLIC`,
            `${APP} may UPDATE column hash of access_log_batches: REVOKE UPDATE (hash) ON access_log_batches FROM ${APP}`,
            `${APP} may grant SELECT on consent_events to others: REVOKE GRANT OPTION FOR SELECT ON consent_events FROM ${APP}`,
          ].join('; '),
          crm: 'ok',
          billing: 'ok',
        },
      },
    });
  } finally {
    for (const sql of undo) await owner.query(sql);
  }
  expect((await request(gw.gateway.server).get('/readyz')).body).toEqual({ status: 'ready', stores: { gateway: 'ok', crm: 'ok', billing: 'ok' } });
});

test('the one-role set-up (the gateway connecting as the owner, here a superuser) is refused for every store', async () => {
  expect(await unsafeStorePrivileges(gw.stores)).toEqual(['gateway', 'crm', 'billing'].map(
    (s) => `${s}: postgres is a superuser: the gateway must connect as a role that is not (ALTER ROLE postgres NOSUPERUSER)`));
});

test('a gateway process whose role may UPDATE the log refuses to start, saying which grant is wrong', async () => {
  const urls = await createTestDatabases();
  const owner = new Client({ connectionString: urls.gateway });
  await owner.connect();
  await owner.query(`GRANT UPDATE ON access_log TO ${APP}`);
  await owner.end();
  const run = runtimeUrls(urls);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-roles-'));
  try {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', GATEWAY_JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'info', GATEWAY_DATA_DIR: dataDir,
        GATEWAY_DATABASE_URL: run.gateway, CRM_DATABASE_URL: run.crm, BILLING_DATABASE_URL: run.billing },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(code).toBe(1);
    expect(lines.some((l) => l.msg === 'listening')).toBe(false);
    const { time: _t, ...refusalLine } = lines[lines.length - 1];
    expect(refusalLine).toEqual({
      level: 'error',
      msg: 'refusing to start: the database role has privileges the gateway must not have',
      problems: [`gateway: ${APP} may UPDATE access_log: REVOKE UPDATE ON access_log FROM ${APP}`],
    });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

describe('the migrations, run as an owner that is not a superuser', () => {
  const id = randomBytes(4).toString('hex');
  const ownerRole = `t${id}_owner`;
  const password = randomBytes(12).toString('hex');
  let admin: Client;
  const dbUrl = (db: string, user?: string) => {
    const u = new URL(process.env.TEST_PG_ADMIN_URL!);
    u.pathname = `/${db}`;
    if (user) {
      u.username = user;
      u.password = password;
    }
    return u.toString();
  };

  beforeAll(async () => {
    admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ownerRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`);
    await admin.query(`CREATE DATABASE t${id}_own OWNER ${ownerRole}`);
    await admin.query(`CREATE DATABASE t${id}_norole OWNER ${ownerRole}`);
  });
  afterAll(async () => {
    for (const db of [`t${id}_own`, `t${id}_norole`]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${ownerRole}`);
    await admin.end();
  });

  test('apply, and the runtime role then writes the log (its month partitions through access_log_create_month), owning nothing', async () => {
    const ds = dataSourceFor('gateway', dbUrl(`t${id}_own`, ownerRole));
    await ds.initialize();
    let app: DataSource | null = null;
    try {
      await ds.runMigrations({ transaction: 'each' });
      // The owner could not run the gateway: it owns the database and everything in it.
      const [ownerProblem, ...more] = await unsafePrivileges(ds, { full: true });
      expect({ ownerProblem, more }).toEqual({
        ownerProblem: expect.stringMatching(new RegExp(`^${ownerRole} owns database t${id}_own, table access_log, table access_log_batches, sequence access_log_batches_id_seq, ` +
          `table access_log_default, view access_log_entries and \\d+ more: the gateway's role must own nothing \\(the owner must be another role, the one that runs the migrations\\)$`)),
        more: [],
      });
      app = dataSourceFor('gateway', runtimeUrls({ gateway: dbUrl(`t${id}_own`), crm: dbUrl(`t${id}_own`), billing: dbUrl(`t${id}_own`) }).gateway);
      await app.initialize();
      expect(await unsafePrivileges(app, { full: true })).toEqual([]);
      const writer = createGroupCommitWriter(app);
      await writer.append({ at: new Date(), requestId: 'r1', caller: 'crm-service', roles: ['service'], purpose: 'account_management', justification: null, clientAddress: null, policyHash: 'h' }, [
        { customerId: 'c1', typeName: 'Customer', recordPath: 'customer', fields: ['firstName'], category: 'identity.name', effect: 'ALLOW', reason: null, rule: 'r' },
      ]);
      await writer.close();
      const now = new Date();
      expect(await ds.query(`SELECT c.relname AS name, pg_get_userbyid(c.relowner) AS owner FROM pg_class c WHERE c.relname = ANY($1) ORDER BY 1`,
        [[partitionName(monthStart(now)), partitionName(monthStart(now, 1))]]))
        .toEqual([{ name: partitionName(monthStart(now)), owner: ownerRole }, { name: partitionName(monthStart(now, 1)), owner: ownerRole }]);
      expect(await verifyChain(app)).toEqual({ ok: true, batches: 1, rows: 1, anchor: null, firstBroken: null });
      // The function creates a month's partition and nothing else.
      await expect(app.query(`SELECT access_log_create_month('2031-05-17T00:00:00Z')`)).rejects.toMatchObject({ message: 'access_log_create_month: 2031-05-17 00:00:00+00 is not the start of a month (UTC)' });
    } finally {
      await app?.destroy();
      await ds.destroy();
    }
  });

  test('refuse a runtime role that does not exist, naming the fix', async () => {
    const ds = dataSourceFor('gateway', dbUrl(`t${id}_norole`, ownerRole), undefined, { runtimeRole: `t${id}_nobody` });
    await ds.initialize();
    const said = jest.spyOn(console, 'log').mockImplementation(() => undefined); // TypeORM prints the failed migration
    try {
      await expect(ds.runMigrations({ transaction: 'each' })).rejects.toThrow(
        `the gateway's runtime role "t${id}_nobody" does not exist: create it first (CREATE ROLE t${id}_nobody LOGIN PASSWORD '...'), ` +
        'or set GATEWAY_RUNTIME_ROLE to the role the gateway connects as (README, "For security teams")');
    } finally {
      said.mockRestore();
      await ds.destroy();
    }
  });
});

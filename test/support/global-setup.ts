import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startEmbeddedPostgres, ensureDatabases } from '../../src/db/embedded-postgres';
import { DEFAULT_RUNTIME_ROLE } from '../../src/stores/runtime-role';
import { dataSourceFor, StoreName } from '../../ormconfig';

/**
 * The one way tests get PostgreSQL: one server per run (embedded, or TEST_DATABASE_URL's), with
 * three template databases migrated once. Each test file then clones its own databases from the
 * templates (test/support/test-stores.ts), so files run in parallel without sharing state.
 *
 * Two roles, as deployed: the admin URL (a superuser) migrates and owns the templates, and the
 * gateways under test connect as the runtime role (privacy_gateway_app), which the migrations grant
 * to; TEST_PG_RUNTIME_URL is its URL, with TEST_PG_ADMIN_URL's host and port.
 */
const STORES: StoreName[] = ['gateway', 'crm', 'billing'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export default async function globalSetup(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let runtimeUrl: string;
  if (!adminUrl) {
    const dir = path.resolve(__dirname, '../../.data', `test-pg-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const cluster = await startEmbeddedPostgres({ dir, port: await freePort() });
    (globalThis as Record<string, unknown>).__TEST_CLUSTER__ = cluster;
    adminUrl = cluster.adminUrl;
    runtimeUrl = cluster.runtimeUrlFor('postgres');
  } else {
    // A server of one's own: the runtime role is created (or its password reset) for this run.
    const password = randomBytes(18).toString('base64url');
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      const { rowCount } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DEFAULT_RUNTIME_ROLE]);
      await c.query(`${rowCount ? 'ALTER' : 'CREATE'} ROLE ${DEFAULT_RUNTIME_ROLE} LOGIN PASSWORD '${password}'`);
    } finally {
      await c.end();
    }
    const u = new URL(adminUrl);
    u.username = DEFAULT_RUNTIME_ROLE;
    u.password = password;
    runtimeUrl = u.toString();
  }
  const urlFor = (db: string) => adminUrl!.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
  const templates = STORES.map((s) => `tpl_${s}`);
  await ensureDatabases(adminUrl, templates);
  for (const store of STORES) {
    const ds = dataSourceFor(store, urlFor(`tpl_${store}`));
    await ds.initialize();
    await ds.runMigrations({ transaction: 'each' });
    await ds.destroy();
  }
  process.env.TEST_PG_ADMIN_URL = adminUrl;
  process.env.TEST_PG_RUNTIME_URL = runtimeUrl;
}

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startEmbeddedPostgres, ensureDatabases } from '../../src/db/embedded-postgres';
import { dataSourceFor, StoreName } from '../../ormconfig';

/**
 * The one way tests get PostgreSQL: one server per run (embedded, or TEST_DATABASE_URL's), with
 * three template databases migrated once. Each test file then clones its own databases from the
 * templates (test/support/test-stores.ts), so files run in parallel without sharing state.
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
  if (!adminUrl) {
    const dir = path.resolve(__dirname, '../../.data', `test-pg-${process.pid}`);
    fs.rmSync(dir, { recursive: true, force: true });
    const cluster = await startEmbeddedPostgres({ dir, port: await freePort() });
    (globalThis as Record<string, unknown>).__TEST_CLUSTER__ = cluster;
    adminUrl = cluster.adminUrl;
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
}

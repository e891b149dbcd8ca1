import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { StoreName } from '../../ormconfig';

/** Clones the migrated template databases into three fresh databases for one test file. */
export async function createTestDatabases(): Promise<Record<StoreName, string>> {
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (!adminUrl) throw new Error('TEST_PG_ADMIN_URL is not set: run tests through jest (globalSetup starts PostgreSQL)');
  const id = randomBytes(4).toString('hex');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  const urls = {} as Record<StoreName, string>;
  try {
    for (const store of ['gateway', 'crm', 'billing'] as StoreName[]) {
      const name = `t${id}_${store}`;
      await client.query(`CREATE DATABASE ${name} TEMPLATE tpl_${store}`);
      urls[store] = adminUrl.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
    }
  } finally {
    await client.end();
  }
  return urls;
}

import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { StoreName } from '../../ormconfig';

/**
 * The same databases as the gateway's runtime role (privacy_gateway_app) sees them: what a gateway
 * under test connects as. The URLs createTestDatabases returns are the owner's (a superuser): for
 * fixtures, and for tampering with what the runtime role cannot touch.
 */
export function runtimeUrls(urls: Record<StoreName, string>): Record<StoreName, string> {
  const runtime = process.env.TEST_PG_RUNTIME_URL;
  if (!runtime) throw new Error('TEST_PG_RUNTIME_URL is not set: run tests through jest (globalSetup starts PostgreSQL)');
  const r = new URL(runtime);
  const as = (url: string) => {
    const u = new URL(url);
    u.username = r.username;
    u.password = r.password;
    return u.toString();
  };
  return { gateway: as(urls.gateway), crm: as(urls.crm), billing: as(urls.billing) };
}

/** Clones the migrated template databases into three fresh databases for one test file (URLs as their owner). */
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

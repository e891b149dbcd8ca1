import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { EmbeddedCluster, ensureDatabases, startEmbeddedPostgres } from '../src/db/embedded-postgres';
import { closeStores, openStores, Stores } from '../src/stores/open-stores';

/** One embedded PostgreSQL for the whole bench run, fresh each time (deleted at the end). */
export interface BenchEnv {
  cluster: EmbeddedCluster;
  stores: Stores;
  config: ReturnType<typeof loadConfig>;
  close(): Promise<void>;
}

export async function startBenchEnv(): Promise<BenchEnv> {
  // One folder per port: two bench runs on different BENCH_PG_PORTs do not delete each other's cluster.
  const port = Number(process.env.BENCH_PG_PORT ?? 54420);
  const dir = path.join(PROJECT_ROOT, '.data', `bench-pg-${port}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const cluster = await startEmbeddedPostgres({ dir, port });
  await ensureDatabases(cluster.adminUrl, ['bench_gateway', 'bench_crm', 'bench_billing']);
  const urls = { gateway: cluster.urlFor('bench_gateway'), crm: cluster.urlFor('bench_crm'), billing: cluster.urlFor('bench_billing') };
  const config = loadConfig({ GATEWAY_JWT_SECRET: 'bench-secret-bench-secret-bench-secret!', GATEWAY_DATABASE_URL: urls.gateway, CRM_DATABASE_URL: urls.crm, BILLING_DATABASE_URL: urls.billing, GATEWAY_POOL_SIZE: '20', GATEWAY_RATE_LIMIT_RPS: '0' });
  const stores = await openStores(urls, { migrate: true });
  return {
    cluster, stores, config,
    async close() {
      await closeStores(stores);
      await cluster.stop();
      if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { dataSourceFor, StoreName } from '../../ormconfig';
import { ensureDatabases, EmbeddedCluster, startEmbeddedPostgres } from '../db/embedded-postgres';
import { SqlCounter } from './sql-counter';
import { log } from '../log';

export type Stores = Record<StoreName, DataSource>;
export const STORE_NAMES: StoreName[] = ['gateway', 'crm', 'billing'];

/** Connection strings: the configured ones, or the embedded cluster's (started here if needed). */
export async function resolveDatabaseUrls(config: Config): Promise<{ urls: Record<StoreName, string>; cluster: EmbeddedCluster | null }> {
  if (config.databases.gateway && config.databases.crm && config.databases.billing) {
    return { urls: { gateway: config.databases.gateway, crm: config.databases.crm, billing: config.databases.billing }, cluster: null };
  }
  const dir = path.join(config.dataDir, 'pg');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const cluster = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort, onLog: (line) => log.debug('postgres', { line }) });
  log.info('embedded PostgreSQL started', { dir, port: cluster.port });
  const names = { gateway: 'gateway', crm: 'crm', billing: 'billing' } as const;
  await ensureDatabases(cluster.adminUrl, Object.values(names));
  return { urls: { gateway: cluster.urlFor(names.gateway), crm: cluster.urlFor(names.crm), billing: cluster.urlFor(names.billing) }, cluster };
}

export async function openStores(urls: Record<StoreName, string>, opts: { migrate: boolean }): Promise<Stores> {
  const stores = {} as Stores;
  for (const name of STORE_NAMES) {
    const ds = dataSourceFor(name, urls[name], new SqlCounter());
    await ds.initialize();
    if (opts.migrate) await ds.runMigrations({ transaction: 'each' });
    stores[name] = ds;
  }
  return stores;
}

export async function closeStores(stores: Partial<Stores>): Promise<void> {
  await Promise.all(Object.values(stores).map((ds) => (ds?.isInitialized ? ds.destroy() : undefined)));
}

/** Ready = every store answers and has no pending migration. */
export async function storesReady(stores: Stores): Promise<Record<StoreName, string>> {
  const out = {} as Record<StoreName, string>;
  await Promise.all(
    STORE_NAMES.map(async (name) => {
      try {
        const pending = await stores[name].showMigrations();
        out[name] = pending ? 'migrations pending' : 'ok';
      } catch {
        out[name] = 'unreachable';
      }
    }),
  );
  return out;
}

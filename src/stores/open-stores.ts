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

/** A store that has not answered the readiness check by then is reported unreachable. */
export const READY_TIMEOUT_MS = 2_000;
/** The check in flight per store: a store that stopped answering holds one connection, not one per probe. */
const readyChecks = new WeakMap<DataSource, Promise<string>>();

function checkStore(ds: DataSource): Promise<string> {
  let check = readyChecks.get(ds);
  if (!check) {
    check = ds.showMigrations().then(
      (pending) => (pending ? 'migrations pending' : 'ok'),
      () => 'unreachable',
    );
    readyChecks.set(ds, check);
    void check.finally(() => readyChecks.delete(ds));
  }
  return check;
}

/**
 * Ready = every store answers and has no pending migration. Bounded: a refused connection fails
 * at once, a new one within the pool's connectionTimeoutMillis, and a server that accepted the
 * connection but stopped answering (frozen, or gone without closing the socket) is reported
 * unreachable after READY_TIMEOUT_MS instead of holding the probe.
 */
export async function storesReady(stores: Stores, timeoutMs = READY_TIMEOUT_MS): Promise<Record<StoreName, string>> {
  const out = {} as Record<StoreName, string>;
  await Promise.all(
    STORE_NAMES.map(async (name) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('unreachable'), timeoutMs)));
      try {
        out[name] = await Promise.race([checkStore(stores[name]), late]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return out;
}

import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { Config } from '../config';
import { dataSourceFor, StoreName } from '../../ormconfig';
import { attachEmbeddedPostgres, EmbeddedCluster, EmbeddedConnection, ensureDatabases, startEmbeddedPostgres } from '../db/embedded-postgres';
import { SqlCounter } from './sql-counter';
import { StatementBoundOptions } from './statement-bound';
import { unsafePrivileges } from './runtime-role';
import { log } from '../log';

export type Stores = Record<StoreName, DataSource>;
export const STORE_NAMES: StoreName[] = ['gateway', 'crm', 'billing'];

export interface ResolvedDatabases {
  /** What the gateway connects as: the configured URLs, or the embedded cluster's runtime role. */
  urls: Record<StoreName, string>;
  /** The owner's (migrations, prune, demo data): the configured URLs (the caller was given one set), or the embedded superuser. */
  ownerUrls: Record<StoreName, string>;
  /** The embedded PostgreSQL in use (started here or already running), null with configured URLs. */
  embedded: EmbeddedConnection | null;
  /** The embedded PostgreSQL started here, for the caller to stop; null when it was already running. */
  cluster: EmbeddedCluster | null;
}

/**
 * Connection strings: the configured ones, or the embedded cluster's. An embedded PostgreSQL
 * already running on the data folder (`npm start`, or a command still running) is used as it is;
 * one is started only when none runs, so the CLIs work beside a running gateway.
 */
export async function resolveDatabaseUrls(config: Config): Promise<ResolvedDatabases> {
  if (config.databases.gateway && config.databases.crm && config.databases.billing) {
    const urls = { gateway: config.databases.gateway, crm: config.databases.crm, billing: config.databases.billing };
    return { urls, ownerUrls: urls, embedded: null, cluster: null };
  }
  const dir = path.join(config.dataDir, 'pg');
  fs.mkdirSync(config.dataDir, { recursive: true });
  let cluster: EmbeddedCluster | null = null;
  let embedded = await attachEmbeddedPostgres(dir);
  if (embedded) {
    log.info('embedded PostgreSQL already running: using it', { dir, port: embedded.port });
  } else {
    try {
      cluster = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort, runtimeRole: config.runtimeRole, onLog: (line) => log.debug('postgres', { line }) });
    } catch (err) {
      // Another command started it meanwhile: use that one.
      embedded = await attachEmbeddedPostgres(dir, 5_000);
      if (!embedded) throw err;
    }
    if (cluster) log.info('embedded PostgreSQL started', { dir, port: cluster.port });
    embedded = embedded ?? cluster;
  }
  if (embedded!.runtimeRole !== config.runtimeRole) {
    throw new Error(`the embedded PostgreSQL in ${dir} runs with the runtime role ${embedded!.runtimeRole}, not GATEWAY_RUNTIME_ROLE=${config.runtimeRole}: stop it and start again`);
  }
  const names = { gateway: 'gateway', crm: 'crm', billing: 'billing' } as const;
  await ensureDatabases(embedded!.adminUrl, Object.values(names));
  const urlsOf = (f: (db: string) => string) => ({ gateway: f(names.gateway), crm: f(names.crm), billing: f(names.billing) });
  return { urls: urlsOf(embedded!.runtimeUrlFor), ownerUrls: urlsOf(embedded!.urlFor), embedded: embedded!, cluster };
}

/**
 * `runtimeRole` reaches the migrations (ormconfig.ts); `migrate` runs them, which takes the
 * owner's connection strings. `statementTimeoutMs` and `longStatementTimeoutMs` bound every
 * statement (src/stores/statement-bound.ts): the gateway's own stores pass them, the
 * command-line tools (migrations, sweep, verify) do not.
 */
export async function openStores(urls: Record<StoreName, string>, opts: { migrate: boolean; runtimeRole?: string } & StatementBoundOptions): Promise<Stores> {
  const stores = {} as Stores;
  for (const name of STORE_NAMES) {
    const ds = dataSourceFor(name, urls[name], new SqlCounter(), { runtimeRole: opts.runtimeRole, statementTimeoutMs: opts.statementTimeoutMs, longStatementTimeoutMs: opts.longStatementTimeoutMs });
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

function checkStore(ds: DataSource, store: StoreName): Promise<string> {
  let check = readyChecks.get(ds);
  if (!check) {
    check = Promise.all([ds.showMigrations(), unsafePrivileges(ds, { full: store === 'gateway' })]).then(
      ([pending, unsafe]) => (unsafe.length ? `unsafe privileges: ${unsafe.join('; ')}` : pending ? 'migrations pending' : 'ok'),
      () => 'unreachable',
    );
    readyChecks.set(ds, check);
    void check.finally(() => readyChecks.delete(ds));
  }
  return check;
}

/**
 * Why the stores' connections must not run the gateway (src/stores/runtime-role.ts), each problem
 * prefixed with its store; empty when they are fit. Checked at start-up and on every `/readyz`.
 */
export async function unsafeStorePrivileges(stores: Stores): Promise<string[]> {
  const found = await Promise.all(STORE_NAMES.map(async (name) => (await unsafePrivileges(stores[name], { full: name === 'gateway' })).map((p) => `${name}: ${p}`)));
  return found.flat();
}

/**
 * Ready = every store answers, its connection's role is fit to run the gateway (for the gateway
 * store: owns nothing, cannot change or remove log rows; `unsafe privileges: ...` says which grant
 * is wrong) and it has no pending migration. Bounded: a refused connection fails
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
        out[name] = await Promise.race([checkStore(stores[name], name), late]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return out;
}

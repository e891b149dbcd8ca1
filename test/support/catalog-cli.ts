import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { Document, isMap, isSeq, YAMLMap } from 'yaml';

/** Shared by the `npm run catalog` tests: the compiled CLI run as a child process, and plain SQL on a test database. */
const CLI = path.resolve(__dirname, '../../dist/src/cli/catalog.js');

export interface CliRun { code: number | null; stdout: string; stderr: string }

/** Runs `catalog` with these arguments (in `cwd` when given, so files show relative to it). */
export function runCatalog(args: string[], cwd?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('exit', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

export async function execSql(connectionString: string, sql: string): Promise<void> {
  const c = new Client({ connectionString });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates database `name` on the tests' PostgreSQL (globalSetup's TEST_PG_ADMIN_URL) and returns its URL. */
export async function createDatabase(name: string): Promise<string> {
  const admin = process.env.TEST_PG_ADMIN_URL!;
  await execSql(admin, `CREATE DATABASE ${name}`);
  return admin.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
}

/** Every collection of a parsed dataset file's first dataset, with its fields as YAML maps (to read comments, or edit as a reviewer would). */
export function collectionsOf(doc: Document): { collection: YAMLMap; fields: YAMLMap[] }[] {
  const collections = doc.getIn(['dataset', 0, 'collections']);
  if (!isSeq(collections)) throw new Error('no collections');
  return collections.items.filter(isMap).map((collection) => {
    const fields = collection.get('fields', true);
    return { collection, fields: isSeq(fields) ? fields.items.filter(isMap) : [] };
  });
}

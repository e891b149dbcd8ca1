import fs from 'node:fs';
import path from 'node:path';
import { draftFromDatabase } from '../catalog/draft';
import { log, errorFields } from '../log';
import { parseCommandLine, runCli, startupExitCode, UsageError } from './run-cli';

/**
 * `npm run catalog -- draft --url <postgres url> [--schema public] [--key KEY] [--out FILE]`:
 * writes a first fideslang dataset from a database's own schema (src/catalog/draft.ts): one
 * collection per table, primary keys, foreign keys as references, data types, and categories
 * guessed from column names, each marked `# guessed from the column name: review`. To stdout, or
 * to FILE (never over an existing one). It only reads pg_catalog.
 *
 * Exit codes: 0 written; 1 the database could not be read (one log line naming the error by its
 * code, never PostgreSQL's message nor the URL) or the schema has no tables; 2 bad arguments.
 */
const USAGE = 'usage: npm run catalog -- draft --url <postgres url> [--schema public] [--key KEY] [--out FILE]';

export interface DraftArgs { command: 'draft'; url: string; schema: string; key?: string; out?: string }

/** Parses and validates the command line; the URL is checked for shape, never echoed (it may hold a password). */
export function parseCatalogArgs(argv: string[]): DraftArgs {
  const options = { url: { type: 'string' }, schema: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } } as const;
  const { values } = parseCommandLine(argv, options, ['draft']);
  if (values.url === undefined) throw new UsageError('draft needs --url <postgres url>');
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError('--url is not a URL (postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new UsageError('--url must be a postgres:// or postgresql:// URL');
  if (url.pathname.length <= 1) throw new UsageError('--url must name a database (postgres://host/database)');
  const schema = values.schema ?? 'public';
  if (!schema.trim()) throw new UsageError('--schema must not be empty');
  if (values.key !== undefined && !/^[a-zA-Z0-9_.<>-]+$/.test(values.key)) throw new UsageError('--key must be a fides_key: letters, digits and _ . < > -');
  if (values.out !== undefined && !values.out.trim()) throw new UsageError('--out needs a file');
  return { command: 'draft', url: values.url, schema, key: values.key, out: values.out === undefined ? undefined : path.resolve(values.out) };
}

async function main(argv: string[]): Promise<number> {
  let args: DraftArgs;
  try {
    args = parseCatalogArgs(argv);
  } catch (err) {
    return startupExitCode('catalog', USAGE, err);
  }
  if (args.out !== undefined && fs.existsSync(args.out)) {
    process.stderr.write(`catalog: ${args.out} exists: a draft never overwrites a dataset (remove it or name another --out)\n`);
    return 2;
  }
  let draft: Awaited<ReturnType<typeof draftFromDatabase>>;
  try {
    draft = await draftFromDatabase(args.url, { schema: args.schema, key: args.key });
  } catch (err) {
    log.error('catalog draft failed: could not read the database schema', errorFields(err));
    return 1;
  }
  if (!draft.dataset.collections.length) {
    process.stderr.write(`catalog: schema "${args.schema}" has no tables: nothing to draft\n`);
    return 1;
  }
  if (args.out === undefined) {
    process.stdout.write(draft.yaml);
  } else {
    fs.writeFileSync(args.out, draft.yaml, { flag: 'wx' });
    const fields = draft.dataset.collections.reduce((n, c) => n + c.fields.length, 0);
    const guessed = draft.dataset.collections.reduce((n, c) => n + c.fields.filter((f) => f.data_categories.length).length, 0);
    process.stdout.write(`wrote ${args.out}: dataset ${draft.dataset.fides_key}, ${draft.dataset.collections.length} collections, ${fields} fields, ${guessed} categories guessed (review them), ${fields - guessed} fields with none\n`);
  }
  return 0;
}

if (require.main === module) runCli('catalog', main);

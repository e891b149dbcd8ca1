import fs from 'node:fs';
import path from 'node:path';
import { checkDatasets } from '../catalog/check';
import { draftFromDatabase } from '../catalog/draft';
import { CatalogError } from '../catalog/dataset';
import { exportFides, exportYaml } from '../catalog/export';
import { loadPack, PackError } from '../policy/load-pack';
import { log, errorFields } from '../log';
import { parseCommandLine, runCli, startupExitCode, UsageError } from './run-cli';

/**
 * `npm run catalog -- draft --url <postgres url> [--schema public] [--key KEY] [--out FILE]`:
 * writes a first fideslang dataset from a database's own schema (src/catalog/draft.ts): one
 * collection per table, primary keys, foreign keys as references, data types, and categories
 * guessed from column names, each marked `# guessed from the column name: review`. To stdout, or
 * to FILE (never over an existing one). It only reads pg_catalog.
 *
 * `npm run catalog -- check --dataset FILE [--dataset FILE ...] --url <fides_key>=<postgres url> [...]`:
 * checks the dataset files, then each dataset against its database (src/catalog/check.ts), one
 * connection string per dataset, named by its fides_key. One line per problem on stdout
 * (`error: file:line: key.path: message`, `warning: ...`), then a summary line.
 *
 * `npm run catalog -- export --dataset FILE [--dataset FILE ...] --pack policies/x.yaml [--out FILE]`:
 * writes the datasets and one fideslang system per store, with a privacy declaration per purpose
 * of the pack (src/catalog/export.ts), as one YAML document, to stdout or FILE (overwritten: it is
 * derived from the dataset files and the pack).
 *
 * Exit codes: export: 0 written; 1 the dataset files or the pack do not load (every problem on
 * stderr) or a purpose has no data_use. draft: 0 written; 1 the database could not be read (one log line naming the error by
 * its code, never PostgreSQL's message nor the URL) or the schema has no tables. check: 0 no error
 * (warnings allowed); 1 any error. Both: 2 bad arguments.
 */
const USAGE = [
  'usage: npm run catalog -- draft --url <postgres url> [--schema public] [--key KEY] [--out FILE]',
  '       npm run catalog -- check --dataset FILE [--dataset FILE ...] --url <fides_key>=<postgres url> [--url ...]',
  '       npm run catalog -- export --dataset FILE [--dataset FILE ...] --pack FILE [--out FILE]',
].join('\n');

export interface DraftArgs { command: 'draft'; url: string; schema: string; key?: string; out?: string }
export interface CheckArgs { command: 'check'; datasets: string[]; urls: Map<string, string> }
export interface ExportArgs { command: 'export'; datasets: string[]; pack: string; out?: string }

const FIDES_KEY = /^[a-zA-Z0-9_.<>-]+$/;

/** Checks a connection string's shape without echoing it (it may hold a password). */
function checkUrl(value: string, flag: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} is not a URL (postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new UsageError(`${flag} must be a postgres:// or postgresql:// URL`);
  if (url.pathname.length <= 1) throw new UsageError(`${flag} must name a database (postgres://host/database)`);
}

/** Parses and validates the command line; a URL is checked for shape, never echoed. */
export function parseCatalogArgs(argv: string[]): DraftArgs | CheckArgs | ExportArgs {
  const options = {
    url: { type: 'string', multiple: true }, schema: { type: 'string' }, key: { type: 'string' }, out: { type: 'string' },
    dataset: { type: 'string', multiple: true }, pack: { type: 'string' }, help: { type: 'boolean' },
  } as const;
  const { command, values } = parseCommandLine(argv, options, ['draft', 'check', 'export']);
  const urls = values.url ?? [];
  if (command === 'export') {
    for (const k of ['schema', 'key'] as const) if (values[k] !== undefined) throw new UsageError(`--${k} is an option of draft, not export`);
    if (urls.length) throw new UsageError('--url is an option of draft and check, not export');
    if (!values.dataset?.length) throw new UsageError('export needs --dataset FILE (one per dataset file)');
    if (values.pack === undefined || !values.pack.trim()) throw new UsageError('export needs --pack FILE (the policy pack whose purposes the systems declare)');
    if (values.out !== undefined && !values.out.trim()) throw new UsageError('--out needs a file');
    return { command: 'export', datasets: values.dataset, pack: values.pack, out: values.out === undefined ? undefined : path.resolve(values.out) };
  }
  if (values.pack !== undefined) throw new UsageError(`--pack is an option of export, not ${command}`);
  if (command === 'check') {
    for (const k of ['schema', 'key', 'out'] as const) if (values[k] !== undefined) throw new UsageError(`--${k} is an option of draft, not check`);
    if (!values.dataset?.length) throw new UsageError('check needs --dataset FILE (one per dataset file)');
    if (!urls.length) throw new UsageError('check needs --url <fides_key>=<postgres url> (one per dataset)');
    const map = new Map<string, string>();
    for (const u of urls) {
      const eq = u.indexOf('=');
      const key = eq > 0 ? u.slice(0, eq) : '';
      if (!FIDES_KEY.test(key)) throw new UsageError('--url must be <fides_key>=<postgres url>');
      if (map.has(key)) throw new UsageError(`--url ${key}=... is given twice`);
      checkUrl(u.slice(eq + 1), `--url ${key}=...`);
      map.set(key, u.slice(eq + 1));
    }
    return { command: 'check', datasets: values.dataset, urls: map };
  }
  if (values.dataset !== undefined) throw new UsageError('--dataset is an option of check and export, not draft');
  if (!urls.length) throw new UsageError('draft needs --url <postgres url>');
  if (urls.length > 1) throw new UsageError('draft takes one --url');
  checkUrl(urls[0], '--url');
  const schema = values.schema ?? 'public';
  if (!schema.trim()) throw new UsageError('--schema must not be empty');
  if (values.key !== undefined && !FIDES_KEY.test(values.key)) throw new UsageError('--key must be a fides_key: letters, digits and _ . < > -');
  if (values.out !== undefined && !values.out.trim()) throw new UsageError('--out needs a file');
  return { command: 'draft', url: urls[0], schema, key: values.key, out: values.out === undefined ? undefined : path.resolve(values.out) };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

async function check(args: CheckArgs): Promise<number> {
  const r = await checkDatasets(args.datasets, args.urls);
  const lines = [...r.errors.map((e) => `error: ${e}`), ...r.warnings.map((w) => `warning: ${w}`)];
  const counts = `${plural(r.errors.length, 'error')}, ${plural(r.warnings.length, 'warning')}`;
  lines.push(r.loaded
    ? `catalog check: ${counts} in ${plural(r.datasets, 'dataset')} (${plural(r.collections, 'collection')}, ${plural(r.fields, 'field')})`
    : `catalog check: ${counts}: the dataset files did not load, no database was checked`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return r.errors.length ? 1 : 0;
}

function exportCommand(args: ExportArgs): number {
  let text: string;
  try {
    const pack = loadPack(args.pack);
    text = exportYaml(exportFides(args.datasets, Object.values(pack.purposes)));
  } catch (err) {
    if (err instanceof CatalogError || err instanceof PackError) process.stderr.write(`${err.message}\n`);
    else process.stderr.write(`catalog export: ${(err as Error).message}\n`);
    return 1;
  }
  if (args.out === undefined) process.stdout.write(text);
  else {
    fs.writeFileSync(args.out, text);
    process.stdout.write(`wrote ${args.out}\n`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let args: DraftArgs | CheckArgs | ExportArgs;
  try {
    args = parseCatalogArgs(argv);
  } catch (err) {
    return startupExitCode('catalog', USAGE, err);
  }
  if (args.command === 'check') return check(args);
  if (args.command === 'export') return exportCommand(args);
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

import { Client } from 'pg';
import { errorFields } from '../log';
import { CatalogCollection, CatalogDataset, CatalogField } from './catalog.types';
import { CatalogError, loadDatasets } from './dataset';
import { keyLocator, KeyPath } from './dataset-location';
import { columnDataType } from './draft';
import { readColumns, readKeys } from './live-schema';

/**
 * `npm run catalog -- check`: the dataset files against the live databases they describe. First
 * everything loadDatasets checks (file, line, key), then, per dataset, over its own connection string
 * and a read-only session that reads pg_catalog only, in the connection's current schema
 * (`search_path`, `public` by default):
 *
 * - every collection is a table, a view, a materialised view or a foreign table;
 * - every top-level field is a column; a field with sub-fields is a json or jsonb column (what is
 *   inside a JSON value is not checked);
 * - `fides_meta.data_type`, where given, is the one draft.ts writes for the column's type
 *   (`columnDataType`), or `object` for json/jsonb;
 * - the fields marked `primary_key` are exactly the table's primary key columns (not checked on views,
 *   which have none);
 * - a reference names a column that exists in its dataset's database; a reference inside one
 *   database with no foreign key between the two columns (either way round) is a warning: the
 *   gateway follows it all the same, the database does not enforce it;
 * - every field without sub-fields has a data category of its own (collection and dataset
 *   categories are not inherited); fideslang's `system.operations` marks a field that holds no
 *   personal data, as Fides does: no key of ours for it;
 * - `privacy_gateway.collected_at_field` is a date or timestamp column; `erasure: nullify` is not on
 *   a NOT NULL column.
 *
 * A database that cannot be read is one error naming the error's code (errorFields), never
 * PostgreSQL's message or the connection string.
 */

export interface CheckResult {
  /** `file:line: key.path: message`, or a message with no location. */
  errors: string[];
  warnings: string[];
  /** False when the files did not load: nothing was checked against a database. */
  loaded: boolean;
  datasets: number;
  collections: number;
  fields: number;
}

interface LiveColumn { typname: string; typcategory: string; elemname: string | null; elemcategory: string | null; sqlType: string; notNull: boolean }
interface LiveRelation {
  kind: string;
  columns: Map<string, LiveColumn>;
  primaryKey: string[];
  foreignKeys: { columns: string[]; table: string; refColumns: string[] }[];
}
interface LiveSchema { schema: string; relations: Map<string, LiveRelation> }

const RELATION_KINDS: Record<string, string> = { r: 'table', p: 'table', v: 'view', m: 'materialized view', f: 'foreign table' };

async function readLive(url: string): Promise<LiveSchema> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SET default_transaction_read_only = on');
    const schema = (await client.query<{ s: string }>('SELECT current_schema() AS s')).rows[0].s;
    const rels = await client.query<{ table: string; kind: string }>(
      `SELECT c.relname AS table, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
      [schema],
    );
    const cols = await readColumns(client, schema, ['r', 'p', 'v', 'm', 'f']);
    const cons = await readKeys(client, schema);
    const relations = new Map<string, LiveRelation>();
    for (const r of rels.rows) relations.set(r.table, { kind: r.kind, columns: new Map(), primaryKey: [], foreignKeys: [] });
    for (const r of cols) {
      relations.get(r.table)?.columns.set(r.column, { typname: r.typname, typcategory: r.typcategory, elemname: r.elemname, elemcategory: r.elemcategory, sqlType: r.sqlType, notNull: r.notNull });
    }
    for (const r of cons) {
      const t = relations.get(r.table);
      if (!t) continue;
      if (r.kind === 'p') t.primaryKey = r.columns;
      else if (r.fschema === schema) t.foreignKeys.push({ columns: r.columns, table: r.ftable!, refColumns: r.fcolumns! });
    }
    return { schema, relations };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const isJson = (c: LiveColumn) => ['json', 'jsonb'].includes(c.typname) || (c.typcategory === 'A' && ['json', 'jsonb'].includes(c.elemname ?? ''));

/** The data_type a column should be declared with: draft.ts's mapping, `object` for JSON. */
function expectedDataType(c: LiveColumn): string | null {
  const t = columnDataType(c);
  if (t !== null) return t;
  if (['json', 'jsonb'].includes(c.typname)) return 'object';
  if (c.typcategory === 'A' && ['json', 'jsonb'].includes(c.elemname ?? '')) return 'object[]';
  return null;
}

/** Checks the dataset files, then each dataset against the database `connections[fides_key]` names. */
export async function checkDatasets(files: readonly string[], connections: ReadonlyMap<string, string>): Promise<CheckResult> {
  const errors: string[] = [];
  const warnings: string[] = [];
  let datasets: readonly CatalogDataset[];
  try {
    const catalog = loadDatasets(files);
    datasets = catalog.datasets;
    warnings.push(...catalog.warnings);
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    return { errors: err.problems, warnings, loaded: false, datasets: 0, collections: 0, fields: 0 };
  }
  const counted = (fs: readonly CatalogField[]): number => fs.reduce((n, f) => n + 1 + counted(f.fields), 0);
  const result = (): CheckResult => ({
    errors, warnings, loaded: true, datasets: datasets.length,
    collections: datasets.reduce((n, d) => n + d.collections.length, 0),
    fields: datasets.reduce((n, d) => n + d.collections.reduce((m, c) => m + counted(c.fields), 0), 0),
  });

  const keys = new Set(datasets.map((d) => d.key));
  for (const key of connections.keys()) if (!keys.has(key)) errors.push(`--url ${key}=...: no dataset has fides_key "${key}"`);

  // Read every database first: references cross datasets.
  const locators = new Map<string, ReturnType<typeof keyLocator>>();
  const indexInFile = new Map<CatalogDataset, number>();
  const live = new Map<string, LiveSchema>();
  for (const d of datasets) {
    if (!locators.has(d.file)) locators.set(d.file, keyLocator(d.file));
    indexInFile.set(d, datasets.filter((x) => x.file === d.file).indexOf(d));
    const at = locators.get(d.file)!.at(['dataset', indexInFile.get(d)!, 'fides_key']);
    const url = connections.get(d.key);
    if (url === undefined) {
      errors.push(`${at}: no connection string for dataset "${d.key}": pass --url ${d.key}=<postgres url>`);
      continue;
    }
    try {
      live.set(d.key, await readLive(url));
    } catch (err) {
      const f = errorFields(err);
      errors.push(`${at}: cannot read the database of dataset "${d.key}": ${f.error}${f.code ? ` ${f.code}` : ''}`);
    }
  }

  for (const d of datasets) {
    const loc = locators.get(d.file)!;
    const db = live.get(d.key);
    const dAt: KeyPath = ['dataset', indexInFile.get(d)!];
    const found: { errors: string[]; warnings: string[] } = { errors: [], warnings: [] };
    const error = (p: KeyPath, m: string) => found.errors.push(`${loc.at(p)}: ${m}`);
    const warn = (p: KeyPath, m: string) => found.warnings.push(`${loc.at(p)}: ${m}`);
    d.collections.forEach((c, ci) => checkCollection(d, c, [...dAt, 'collections', ci], db, live, loc.has, error, warn));
    // In the file's order (a collection's primary key is checked after its fields); sort is stable.
    const line = (x: string) => Number(x.slice(d.file.length + 1).split(':')[0]);
    errors.push(...found.errors.sort((a, b) => line(a) - line(b)));
    warnings.push(...found.warnings.sort((a, b) => line(a) - line(b)));
  }
  return result();
}

type Report = (p: KeyPath, m: string) => void;

function checkCollection(
  d: CatalogDataset, c: CatalogCollection, cAt: KeyPath, db: LiveSchema | undefined, live: ReadonlyMap<string, LiveSchema>,
  has: (p: KeyPath) => boolean, error: Report, warn: Report,
): void {
  const rel = db?.relations.get(c.name);
  if (db && !rel) error([...cAt, 'name'], `no table or view "${c.name}" in schema "${db.schema}"`);
  const kind = rel ? RELATION_KINDS[rel.kind] : '';
  const metaKey = (fAt: KeyPath) => (has([...fAt, 'fidesops_meta']) && !has([...fAt, 'fides_meta']) ? 'fidesops_meta' : 'fides_meta');

  const walk = (fields: readonly CatalogField[], at: KeyPath, top: boolean) => fields.forEach((f, i) => {
    const fAt: KeyPath = [...at, 'fields', i];
    const col = top && rel ? rel.columns.get(f.name) : undefined;
    if (top && rel && !col) error([...fAt, 'name'], `${kind} "${c.name}" has no column "${f.name}"`);
    if (col) {
      if (f.fields.length && !isJson(col)) error([...fAt, 'fields'], `column "${f.name}" is ${col.sqlType}: a field with sub-fields needs a json or jsonb column`);
      const expected = expectedDataType(col);
      if (f.dataType !== null && f.dataType !== expected) {
        error([...fAt, metaKey(fAt), 'data_type'], expected === null
          ? `column "${f.name}" is ${col.sqlType}, which no fideslang data_type fits: leave data_type out`
          : `column "${f.name}" is ${col.sqlType}: data_type ${expected}, not ${f.dataType}`);
      }
      if (f.gateway.erasure === 'nullify' && col.notNull) error([...fAt, 'privacy_gateway', 'erasure'], `column "${f.name}" is NOT NULL: it cannot be nullified`);
      if (c.gateway.collectedAtField === f.name && !['date', 'timestamp', 'timestamptz'].includes(col.typname)) {
        error([...cAt, 'privacy_gateway', 'collected_at_field'], `column "${f.name}" is ${col.sqlType}: collected_at_field needs a date or timestamp column`);
      }
    }
    if (!f.fields.length && !f.categories.length) {
      error(has([...fAt, 'data_categories']) ? [...fAt, 'data_categories'] : fAt, 'field has no data category: add one, or system.operations if it holds no personal data');
    }
    f.references.forEach((r, k) => {
      const rAt: KeyPath = [...fAt, metaKey(fAt), 'references', k, 'field'];
      const target = live.get(r.dataset)?.relations.get(r.collection);
      const targetCol = target?.columns.get(r.field[0]);
      if (!live.has(r.dataset) || !target) return; // unreadable, or the missing table is reported on its own collection
      if (!targetCol) {
        error(rAt, `"${r.collection}.${r.field.join('.')}": ${RELATION_KINDS[target.kind]} "${r.collection}" of dataset "${r.dataset}" has no column "${r.field[0]}"`);
        return;
      }
      if (r.dataset !== d.key || !top || r.field.length !== 1 || !col || !rel) return;
      const linked = (fks: LiveRelation['foreignKeys'], from: string, to: string, toTable: string) => fks.some((fk) => {
        const n = fk.columns.indexOf(from);
        return n >= 0 && fk.table === toTable && fk.refColumns[n] === to;
      });
      if (!linked(rel.foreignKeys, f.name, r.field[0], r.collection) && !linked(target.foreignKeys, r.field[0], f.name, c.name)) {
        warn(rAt, `no foreign key links "${c.name}.${f.name}" and "${r.collection}.${r.field[0]}": the database does not enforce this reference`);
      }
    });
    walk(f.fields, fAt, false);
  });
  walk(c.fields, cAt, true);

  if (!rel || !['r', 'p'].includes(rel.kind)) return;
  const actual = rel.primaryKey;
  c.fields.forEach((f, i) => {
    const fAt: KeyPath = [...cAt, 'fields', i];
    if (f.primaryKey && !actual.includes(f.name) && rel.columns.has(f.name)) {
      error([...fAt, metaKey(fAt), 'primary_key'], actual.length
        ? `column "${f.name}" is not in the primary key of table "${c.name}" (${actual.join(', ')})`
        : `table "${c.name}" has no primary key`);
    }
    if (!f.primaryKey && actual.includes(f.name)) error([...fAt, 'name'], `column "${f.name}" is in the primary key of table "${c.name}": mark it fides_meta.primary_key: true`);
  });
  for (const name of actual) {
    if (!c.fields.some((f) => f.name === name)) error([...cAt, 'fields'], `primary key column "${name}" of table "${c.name}" has no field`);
  }
}

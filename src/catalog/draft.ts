import { Client } from 'pg';
import { Document, isMap, isScalar, isSeq, visit, YAMLMap } from 'yaml';
import { readColumns, readKeys } from './live-schema';

/**
 * `npm run catalog -- draft`: a first fideslang dataset from a live PostgreSQL schema, as Fides's
 * `generate dataset` writes one, plus what Fides leaves for the user to type:
 *
 * - one collection per table of the schema (ordinary and partitioned tables; not views, not the
 *   partitions of a partitioned table, not TypeORM's `typeorm_migrations`), sorted by name as
 *   fideslang sorts them; fields in the table's column order;
 * - `fides_meta.data_type` from the column's PostgreSQL type, in fideslang's data types (string,
 *   integer, float, boolean, with `[]` for arrays); none where fideslang has no fit (json, jsonb,
 *   bytea, ...: fideslang's `object` would forbid categories on the field);
 * - `fides_meta.length` for `varchar(n)` and `char(n)`;
 * - `fides_meta.primary_key: true` on every column of the primary key (composite ones too);
 * - `fides_meta.references` from foreign keys, on the referencing column, to the referenced
 *   `<table>.<column>` of the same dataset, with no `direction`: fideslang's edge without a
 *   direction is walked both ways, and the draft cannot know on which side the subject is;
 * - `data_categories` guessed from the column's name (GUESSES below, fideslang 3.x default
 *   taxonomy keys, none deprecated; not for integer or uuid key columns, identifiers), each with a YAML comment `# guessed from the column name:
 *   review` on its line; a column nothing matches gets `data_categories: []`, as Fides's generate
 *   leaves every field, so that it stays visibly uncategorised;
 * - `fides_meta.identity: email` on an email column that is unique on its own (primary key or a
 *   one-column unique index), also commented as a guess.
 *
 * Comments keep the file loadable by Fides unchanged. Nothing here writes to the database: it reads
 * pg_catalog only.
 */

export interface DraftColumn {
  name: string;
  /** PostgreSQL's own spelling (format_type), for the record. */
  sqlType: string;
  dataType: string | null;
  length: number | null;
  nullable: boolean;
}

export interface DraftTable {
  name: string;
  columns: DraftColumn[];
  primaryKey: string[];
  /** One-column unique keys (primary key included). */
  uniqueColumns: string[];
  foreignKeys: { columns: string[]; table: string; refColumns: string[]; sameSchema: boolean }[];
}

export interface SchemaSnapshot {
  database: string;
  schema: string;
  tables: DraftTable[];
}

export interface DraftReference {
  dataset: string;
  field: string;
}

export interface DraftFieldMeta {
  primary_key?: true;
  identity?: string;
  data_type?: string;
  length?: number;
  references?: DraftReference[];
}

export interface DraftField {
  name: string;
  data_categories: string[];
  fides_meta?: DraftFieldMeta;
}

export interface DraftDataset {
  fides_key: string;
  name: string;
  description: string;
  collections: { name: string; fields: DraftField[] }[];
}

/** Which fields' category (and identity) are guesses, by collection and field name. */
export interface DraftGuesses {
  categories: Set<string>;
  identities: Set<string>;
}

export const GUESS_COMMENT = ' guessed from the column name: review';
const SKIPPED_TABLES = new Set(['typeorm_migrations']);

/** Splits a column name into lower-case words: `customerEMail2` -> customer e mail 2, `Phone #` -> phone, `ipv4` -> ipv 4. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([a-zA-Z])([0-9])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

type Rule = [category: string, test: (words: string[], joined: string) => boolean];
const has = (ws: string[], ...any: string[]) => any.some((w) => ws.includes(w));
const seq = (ws: string[], a: string, b: string) => ws.some((w, i) => w === a && ws[i + 1] === b);

/**
 * Column-name guesses, the first that matches wins. Words, not substrings: `zip` is no `ip`,
 * `description` no `ip`, `account_id` no bank account.
 */
const GUESSES: Rule[] = [
  ['user.authorization.credentials', (w, j) => has(w, 'password', 'passwd', 'pwd', 'passphrase') || j.includes('password')],
  ['user.contact.email', (w, j) => has(w, 'email', 'mail') || seq(w, 'e', 'mail') || j.includes('email')],
  ['user.contact.fax_number', (w) => has(w, 'fax')],
  ['user.contact.phone_number', (w, j) => has(w, 'phone', 'mobile', 'tel', 'telephone', 'msisdn', 'cell') || j.includes('phone')],
  ['user.demographic.date_of_birth', (w, j) => has(w, 'dob', 'birthday', 'birthdate', 'born') || (has(w, 'birth') && !has(w, 'place', 'country', 'certificate')) || j.includes('birthdate')],
  ['user.financial.bank_account', (w) => has(w, 'iban', 'bic', 'swift') || seq(w, 'bank', 'account') || (has(w, 'account') && has(w, 'number', 'no', 'num', 'nr'))],
  ['user.financial.credit_card', (w) => has(w, 'card', 'pan', 'cvv', 'cvc') || seq(w, 'credit', 'card')],
  ['user.government_id.passport_number', (w) => has(w, 'passport')],
  ['user.government_id.drivers_license_number', (w) => (has(w, 'driver', 'drivers', 'driving') && has(w, 'license', 'licence'))],
  ['user.government_id.national_identification_number', (w) => has(w, 'ssn', 'nin') || ((has(w, 'national', 'citizen') && has(w, 'id', 'number', 'no')))],
  ['user.government_id', (w) => has(w, 'tin', 'vat') || (has(w, 'tax') && has(w, 'id', 'number', 'no', 'code'))],
  ['user.device.ip_address', (w) => has(w, 'ip', 'ipv')],
  ['user.account.username', (w) => has(w, 'username', 'login') || seq(w, 'user', 'name')],
  ['user.contact.address.street', (w) => has(w, 'street') || (has(w, 'address', 'addr') && has(w, 'line', '1', '2', '3'))],
  ['user.contact.address.city', (w) => has(w, 'city', 'town')],
  ['user.contact.address.postal_code', (w) => has(w, 'postcode', 'zip', 'zipcode', 'postal')],
  ['user.contact.address.country', (w) => has(w, 'country')],
  ['user.contact.address.state', (w) => has(w, 'province', 'county')],
  ['user.contact.address', (w) => has(w, 'address', 'addr')],
  ['user.demographic.gender', (w) => has(w, 'gender', 'sex')],
  ['user.name', (w) => has(w, 'surname', 'firstname', 'lastname', 'fullname', 'forename') || (has(w, 'name') && (w.length === 1 || has(w, 'first', 'last', 'given', 'family', 'middle', 'full', 'display', 'maiden')))],
];

/** The fideslang category a column's name suggests, or null. */
export function guessCategory(column: string): string | null {
  const words = nameWords(column);
  const joined = words.join('');
  for (const [category, test] of GUESSES) if (test(words, joined)) return category;
  return null;
}

/** fideslang's data type for a PostgreSQL base type (pg_type.typname and typcategory), or null. */
export function fidesDataType(typname: string, typcategory: string): string | null {
  if (['int2', 'int4', 'int8', 'oid'].includes(typname)) return 'integer';
  if (typcategory === 'N') return 'float'; // numeric, float4, float8, money
  if (typcategory === 'B') return 'boolean';
  if (typname === 'uuid') return 'string';
  if (['S', 'D', 'E', 'I', 'T', 'V'].includes(typcategory)) return 'string'; // text, dates, enums, inet, intervals, bits
  return null; // json, jsonb, bytea, geometric, ranges, composite: no fideslang type fits
}

/** fideslang's data type for a column (arrays by their element: `string[]`), or null; domains already read as their base type. */
export function columnDataType(c: { typname: string; typcategory: string; elemname: string | null; elemcategory: string | null }): string | null {
  if (c.typcategory !== 'A') return fidesDataType(c.typname, c.typcategory);
  const elem = c.elemname && c.elemcategory ? fidesDataType(c.elemname, c.elemcategory) : null;
  return elem ? `${elem}[]` : null;
}

/** A fides_key from a database (and schema) name: fideslang's keys are `[a-zA-Z0-9_.<>-]+`. */
export function datasetKey(database: string, schema: string): string {
  const raw = schema === 'public' ? database : `${database}_${schema}`;
  return raw.replace(/[^a-zA-Z0-9_.<>-]+/g, '_') || 'dataset';
}


/** Reads one schema's tables, columns, keys and one-column unique indexes from pg_catalog. */
export async function readSchema(client: Client, schema: string): Promise<SchemaSnapshot> {
  const db = await client.query<{ db: string }>('SELECT current_database() AS db');
  const tables = await client.query<{ table: string }>(
    `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname COLLATE "C"`,
    [schema],
  );
  const columns = await readColumns(client, schema, ['r', 'p']);
  const constraints = await readKeys(client, schema);
  const unique = await client.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE n.nspname = $1 AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL`,
    [schema],
  );
  const byName = new Map<string, DraftTable>();
  for (const { table } of tables.rows) {
    if (!SKIPPED_TABLES.has(table)) byName.set(table, { name: table, columns: [], primaryKey: [], uniqueColumns: [], foreignKeys: [] });
  }
  for (const r of columns) {
    const t = byName.get(r.table);
    if (!t) continue;
    const dataType = columnDataType(r);
    const length = (r.typname === 'varchar' || r.typname === 'bpchar') && r.typmod > 4 ? r.typmod - 4 : null;
    t.columns.push({ name: r.column, sqlType: r.sqlType, dataType, length, nullable: !r.notNull });
  }
  for (const r of constraints) {
    const t = byName.get(r.table);
    if (!t) continue;
    if (r.kind === 'p') t.primaryKey = r.columns;
    else t.foreignKeys.push({ columns: r.columns, table: r.ftable!, refColumns: r.fcolumns!, sameSchema: r.fschema === schema });
  }
  for (const r of unique.rows) byName.get(r.table)?.uniqueColumns.push(r.column);
  return { database: db.rows[0].db, schema, tables: [...byName.values()] };
}

/** The dataset a schema suggests, and which of its fields' categories and identities are guesses. */
export function draftDataset(snapshot: SchemaSnapshot, key = datasetKey(snapshot.database, snapshot.schema)): { dataset: DraftDataset; guesses: DraftGuesses } {
  const guesses: DraftGuesses = { categories: new Set(), identities: new Set() };
  const tableNames = new Set(snapshot.tables.map((t) => t.name));
  const collections = snapshot.tables.map((t) => ({
    name: t.name,
    fields: t.columns.map((c): DraftField => {
      // A number or uuid that is (part of) a key is an identifier, whatever its name says
      // (`account_no` is no bank account): no guess.
      const isKey = t.primaryKey.includes(c.name) || t.foreignKeys.some((fk) => fk.columns.includes(c.name));
      const category = isKey && (c.dataType === 'integer' || c.sqlType === 'uuid') ? null : guessCategory(c.name);
      if (category) guesses.categories.add(`${t.name}.${c.name}`);
      const meta: DraftFieldMeta = {};
      if (t.primaryKey.includes(c.name)) meta.primary_key = true;
      if (category === 'user.contact.email' && t.uniqueColumns.includes(c.name)) {
        meta.identity = 'email';
        guesses.identities.add(`${t.name}.${c.name}`);
      }
      if (c.dataType) meta.data_type = c.dataType;
      if (c.length !== null) meta.length = c.length;
      const references: DraftReference[] = [];
      for (const fk of t.foreignKeys) {
        const i = fk.columns.indexOf(c.name);
        // A table of another schema is in another dataset, whose key the draft cannot know.
        if (i >= 0 && fk.sameSchema && tableNames.has(fk.table)) references.push({ dataset: key, field: `${fk.table}.${fk.refColumns[i]}` });
      }
      if (references.length) meta.references = references;
      return { name: c.name, data_categories: category ? [category] : [], ...(Object.keys(meta).length ? { fides_meta: meta } : {}) };
    }),
  }));
  const where = snapshot.schema === 'public' ? `the PostgreSQL database "${snapshot.database}"` : `schema "${snapshot.schema}" of the PostgreSQL database "${snapshot.database}"`;
  return {
    dataset: {
      fides_key: key,
      name: snapshot.database,
      description: `Drafted from ${where} by npm run catalog -- draft: review every guessed category and categorise every field left with none`,
      collections,
    },
    guesses,
  };
}

/** The dataset as a fideslang YAML file, each guess with a comment on its line. */
export function draftYaml(dataset: DraftDataset, guesses: DraftGuesses): string {
  const doc = new Document({ dataset: [dataset] });
  // Lists of scalars (categories) on one line: `data_categories: [user.contact.email]`.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  const collections = doc.getIn(['dataset', 0, 'collections']);
  if (isSeq(collections)) {
    for (const coll of collections.items) {
      if (!isMap(coll)) continue;
      const fields = coll.get('fields', true);
      if (!isSeq(fields)) continue;
      for (const field of fields.items) {
        if (!isMap(field)) continue;
        const path = `${String(coll.get('name'))}.${String(field.get('name'))}`;
        const categories = field.get('data_categories', true);
        if (guesses.categories.has(path) && isSeq(categories)) categories.comment = GUESS_COMMENT;
        const meta = field.get('fides_meta', true) as YAMLMap | undefined;
        const identity = isMap(meta) ? meta.get('identity', true) : undefined;
        if (guesses.identities.has(path) && isScalar(identity)) identity.comment = GUESS_COMMENT;
      }
    }
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Connects, reads the schema, and returns the draft and its YAML. Errors are pg's (codes, for errorFields). */
export async function draftFromDatabase(url: string, opts: { schema?: string; key?: string } = {}): Promise<{ yaml: string; dataset: DraftDataset }> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // An unreachable server fails the connect; an error event after it must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SET default_transaction_read_only = on');
    const snapshot = await readSchema(client, opts.schema ?? 'public');
    const { dataset, guesses } = draftDataset(snapshot, opts.key);
    return { yaml: draftYaml(dataset, guesses), dataset };
  } finally {
    await client.end().catch(() => undefined);
  }
}

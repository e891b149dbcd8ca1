import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { DATASET_FILE_SCHEMA } from './dataset.schema';
import { DATA_CATEGORIES, resolveDataCategory } from './taxonomy';
import { Catalog, CatalogCollection, CatalogDataset, CatalogField, FieldReference } from './catalog.types';
import { KeyPath, lineOf, Parsed, Raw, showPath } from './dataset-location';

/**
 * Loads dataset files in fideslang's format (src/catalog/README.md) into the catalogue. Every
 * problem of every file is reported at once as `file:line: key: message`, as policy packs are
 * (src/policy/load-pack.ts); references may cross files, so the files are loaded together.
 */
export class CatalogError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid dataset files:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogError';
  }
}


const ajv = new Ajv({ allErrors: true, strict: false });
const validateFile = ajv.compile(DATASET_FILE_SCHEMA);

/** Loads and checks the dataset files together; throws CatalogError naming every problem. */
export function loadDatasets(files: readonly string[]): Catalog {
  const problems: string[] = [];
  const parsed: Parsed[] = [];
  for (const file of files) {
    const display = path.relative(process.cwd(), file) || file;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      problems.push(`${display}: cannot read the file`);
      continue;
    }
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push(`${display}:${e.linePos?.[0]?.line ?? 1}: YAML: ${e.message.split('\n')[0]}`);
      continue;
    }
    const f: Parsed = { display, doc, lc, raw: doc.toJS() as Raw };
    if (!validateFile(f.raw)) {
      for (const e of validateFile.errors ?? []) {
        if (e.keyword === 'if') continue;
        const keyPath: KeyPath = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
        let msg = e.message ?? 'is invalid';
        if (e.keyword === 'additionalProperties') {
          const prop = (e.params as { additionalProperty: string }).additionalProperty;
          keyPath.push(prop);
          msg = 'is not a fideslang dataset key (our own keys go under privacy_gateway)';
          if (keyPath.length >= 2 && keyPath[keyPath.length - 2] === 'privacy_gateway') msg = 'is not a privacy_gateway key';
        } else if (e.keyword === 'enum') {
          msg = `must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.filter((v) => v !== null).join(', ')}`;
        }
        problems.push(`${display}:${lineOf(f, keyPath)}: ${showPath(keyPath)}: ${msg}`);
      }
      continue;
    }
    parsed.push(f);
  }
  if (problems.length) throw new CatalogError(problems);

  const warnings: string[] = [];
  const datasets: CatalogDataset[] = [];
  // Pass 1: build, checking what one dataset can check alone.
  const firstSeen = new Map<string, string>();
  for (const f of parsed) {
    const report = (p: KeyPath, m: string) => problems.push(`${f.display}:${lineOf(f, p)}: ${showPath(p)}: ${m}`);
    const warn = (p: KeyPath, m: string) => warnings.push(`${f.display}:${lineOf(f, p)}: ${showPath(p)}: ${m}`);
    (f.raw.dataset as Raw[]).forEach((d, i) => {
      const at: KeyPath = ['dataset', i];
      const where = `${f.display}:${lineOf(f, [...at, 'fides_key'])}`;
      const earlier = firstSeen.get(d.fides_key);
      if (earlier) report([...at, 'fides_key'], `dataset "${d.fides_key}" is already defined at ${earlier}`);
      else firstSeen.set(d.fides_key, where);
      datasets.push(buildDataset(f, d, at, report, warn));
    });
  }
  // Pass 2: what needs every dataset (references, collection order keys).
  const byKey = new Map<string, CatalogDataset>();
  for (const d of datasets) if (!byKey.has(d.key)) byKey.set(d.key, d);
  for (const f of parsed) {
    const report = (p: KeyPath, m: string) => problems.push(`${f.display}:${lineOf(f, p)}: ${showPath(p)}: ${m}`);
    (f.raw.dataset as Raw[]).forEach((d, i) => checkCrossReferences(d, ['dataset', i], byKey, report));
  }
  checkGraphqlTypeNames(datasets, parsed, problems);
  if (problems.length) throw new CatalogError(problems);
  return { datasets, warnings };
}

type Report = (p: KeyPath, m: string) => void;

function categoriesOf(list: unknown, at: KeyPath, report: Report, warn: Report): { declared: string[]; resolved: string[] } {
  const declared = ((list ?? []) as string[]).slice();
  const resolved: string[] = [];
  declared.forEach((c, j) => {
    const r = resolveDataCategory(c);
    if (r === null) {
      report([...at, 'data_categories', j], `"${c}" is not a fideslang data category`);
      return;
    }
    if (r !== c) {
      const since = DATA_CATEGORIES.get(c)!.deprecated!.since;
      warn([...at, 'data_categories', j], `"${c}" is deprecated since fideslang ${since}; read as "${r}"`);
    }
    if (!resolved.includes(r)) resolved.push(r);
  });
  return { declared, resolved };
}

const metaOf = (x: Raw): Raw => (x.fides_meta ?? x.fidesops_meta ?? {}) as Raw;

function buildDataset(f: Parsed, d: Raw, at: KeyPath, report: Report, warn: Report): CatalogDataset {
  const cats = categoriesOf(d.data_categories, at, report, warn);
  const names = new Set<string>();
  const collections = (d.collections as Raw[]).map((c, i) => {
    const cAt = [...at, 'collections', i];
    if (names.has(c.name)) report([...cAt, 'name'], `duplicate collection "${c.name}"`);
    names.add(c.name);
    return buildCollection(f, c, cAt, report, warn);
  });
  return {
    key: d.fides_key,
    name: d.name ?? null,
    description: d.description ?? null,
    file: f.display,
    line: lineOf(f, at),
    declaredCategories: cats.declared,
    categories: cats.resolved,
    collections,
  };
}

function buildCollection(f: Parsed, c: Raw, at: KeyPath, report: Report, warn: Report): CatalogCollection {
  const cats = categoriesOf(c.data_categories, at, report, warn);
  const fields = buildFields(f, c.fields as Raw[], at, [], report, warn);
  const pg = (c.privacy_gateway ?? {}) as Raw;
  for (const k of ['source_field', 'collected_at_field']) {
    if (pg[k] !== undefined && !fields.some((x) => x.name === pg[k])) report([...at, 'privacy_gateway', k], `collection "${c.name}" has no field "${pg[k]}"`);
  }
  return {
    name: c.name,
    line: lineOf(f, at),
    description: c.description ?? null,
    declaredCategories: cats.declared,
    categories: cats.resolved,
    primaryKey: fields.filter((x) => x.primaryKey).map((x) => x.name),
    gateway: { graphqlName: pg.graphql_name ?? null, sourceField: pg.source_field ?? null, collectedAtField: pg.collected_at_field ?? null },
    fields,
  };
}

function buildFields(f: Parsed, list: Raw[], at: KeyPath, parentPath: string[], report: Report, warn: Report): CatalogField[] {
  const names = new Set<string>();
  const graphqlNames = new Set<string>();
  return list.map((x, i) => {
    const fAt = [...at, 'fields', i];
    if (names.has(x.name)) report([...fAt, 'name'], `duplicate field "${x.name}"`);
    names.add(x.name);
    const metaKey = x.fides_meta ? 'fides_meta' : 'fidesops_meta';
    const meta = metaOf(x);
    const pg = (x.privacy_gateway ?? {}) as Raw;
    const cats = categoriesOf(x.data_categories, fAt, report, warn);
    const primaryKey = meta.primary_key === true;
    const dataType: string | null = meta.data_type ?? null;
    const sub = (x.fields ?? []) as Raw[];
    // fideslang's own DatasetField validators.
    if (meta.return_all_elements != null && !(dataType ?? '').endsWith('[]')) {
      report([...fAt, metaKey, 'return_all_elements'], 'return_all_elements can only be set on an array field (data_type ending in [])');
    }
    if (sub.length && dataType !== null && dataType.replace('[]', '') !== 'object') {
      report([...fAt, metaKey, 'data_type'], `a field with sub-fields must have data_type object, not ${dataType}`);
    }
    if (primaryKey && parentPath.length) report([...fAt, metaKey, 'primary_key'], 'a primary key must be a top-level field of its collection');
    // Our extension.
    if (pg.graphql_name !== undefined) {
      if (graphqlNames.has(pg.graphql_name)) report([...fAt, 'privacy_gateway', 'graphql_name'], `duplicate graphql_name "${pg.graphql_name}"`);
      graphqlNames.add(pg.graphql_name);
    }
    if (pg.erasure === 'replace' && pg.replacement === undefined) report([...fAt, 'privacy_gateway', 'erasure'], 'erasure replace needs a replacement value');
    if (pg.erasure !== 'replace' && pg.replacement !== undefined) report([...fAt, 'privacy_gateway', 'replacement'], 'a replacement is only used with erasure: replace');
    if (primaryKey && (pg.erasure === 'nullify' || pg.erasure === 'replace')) {
      report([...fAt, 'privacy_gateway', 'erasure'], `a primary-key field cannot be erased by ${pg.erasure}; use delete_row or keep`);
    }
    if (primaryKey && pg.correctable === true) report([...fAt, 'privacy_gateway', 'correctable'], 'a primary-key field cannot be correctable');
    const references: FieldReference[] = ((meta.references ?? []) as Raw[]).map((r) => {
      const [collection, ...field] = String(r.field).split('.');
      return { dataset: r.dataset, collection, field, direction: r.direction ?? null };
    });
    const fieldPath = [...parentPath, x.name as string];
    return {
      name: x.name,
      path: fieldPath,
      line: lineOf(f, fAt),
      description: x.description ?? null,
      declaredCategories: cats.declared,
      categories: cats.resolved,
      primaryKey,
      identity: meta.identity ?? null,
      dataType,
      readOnly: meta.read_only === true,
      references,
      gateway: {
        graphqlName: pg.graphql_name ?? null,
        erasure: pg.erasure ?? null,
        replacement: pg.replacement ?? null,
        correctable: pg.correctable === true,
      },
      fields: buildFields(f, sub, fAt, fieldPath, report, warn),
    };
  });
}

function findField(fields: readonly CatalogField[], p: readonly string[]): CatalogField | undefined {
  let list = fields;
  let found: CatalogField | undefined;
  for (const name of p) {
    found = list.find((x) => x.name === name);
    if (!found) return undefined;
    list = found.fields;
  }
  return found;
}

function checkCrossReferences(d: Raw, at: KeyPath, byKey: ReadonlyMap<string, CatalogDataset>, report: Report): void {
  const collectionExists = (key: string) => {
    const [ds, coll] = key.split('.');
    const target = byKey.get(ds);
    if (!target) return `unknown dataset "${ds}"`;
    return target.collections.some((c) => c.name === coll) ? null : `dataset "${ds}" has no collection "${coll}"`;
  };
  const dmeta = metaOf(d);
  const dmetaKey = d.fides_meta ? 'fides_meta' : 'fidesops_meta';
  ((dmeta.after ?? []) as string[]).forEach((k, j) => { if (!byKey.has(k)) report([...at, dmetaKey, 'after', j], `unknown dataset "${k}"`); });
  (d.collections as Raw[]).forEach((c, i) => {
    const cAt = [...at, 'collections', i];
    const cmeta = metaOf(c);
    const cmetaKey = c.fides_meta ? 'fides_meta' : 'fidesops_meta';
    for (const k of ['after', 'erase_after']) {
      ((cmeta[k] ?? []) as string[]).forEach((key, j) => {
        const problem = collectionExists(key);
        if (problem) report([...cAt, cmetaKey, k, j], problem);
      });
    }
    const walk = (fields: Raw[], fAt: KeyPath) => fields.forEach((x, j) => {
      const here = [...fAt, 'fields', j];
      const metaKey = x.fides_meta ? 'fides_meta' : 'fidesops_meta';
      ((metaOf(x).references ?? []) as Raw[]).forEach((r, k) => {
        const rAt = [...here, metaKey, 'references', k];
        const target = byKey.get(r.dataset);
        if (!target) {
          report([...rAt, 'dataset'], `unknown dataset "${r.dataset}"`);
          return;
        }
        const [collection, ...p] = String(r.field).split('.');
        if (!p.length) {
          report([...rAt, 'field'], `"${r.field}" must name a collection and a field ("collection.field")`);
          return;
        }
        const coll = target.collections.find((y) => y.name === collection);
        if (!coll) report([...rAt, 'field'], `dataset "${r.dataset}" has no collection "${collection}"`);
        else if (!findField(coll.fields, p)) report([...rAt, 'field'], `collection "${r.dataset}.${collection}" has no field "${p.join('.')}"`);
      });
      walk((x.fields ?? []) as Raw[], here);
    });
    walk(c.fields as Raw[], cAt);
  });
}

/** A collection's graphql_name becomes a GraphQL type: unique in the whole catalogue. */
function checkGraphqlTypeNames(datasets: readonly CatalogDataset[], parsed: readonly Parsed[], problems: string[]): void {
  const seen = new Map<string, string>();
  let di = 0;
  for (const f of parsed) {
    (f.raw.dataset as Raw[]).forEach((d, i) => {
      const ds = datasets[di++];
      (d.collections as Raw[]).forEach((c, j) => {
        const name = ds.collections[j].gateway.graphqlName;
        if (name === null) return;
        const p: KeyPath = ['dataset', i, 'collections', j, 'privacy_gateway', 'graphql_name'];
        const here = `${f.display}:${lineOf(f, p)}`;
        const earlier = seen.get(name);
        if (earlier) problems.push(`${here}: ${showPath(p)}: graphql_name "${name}" is already used at ${earlier}`);
        else seen.set(name, here);
      });
    });
  }
}

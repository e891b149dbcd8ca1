import fs from 'node:fs';
import { parse, stringify } from 'yaml';
import { loadDatasets } from './dataset';

/**
 * `catalog export`: the datasets and one fideslang System per dataset (its store), as one YAML
 * document a Fides server can load (`fides push`). Takes the pack's purposes as plain data, so this
 * folder still imports nothing from `policy/` (the CLI loads the pack).
 *
 * - `dataset:` every dataset as written in its file, minus our `privacy_gateway` keys (Fides would
 *   ignore them; they are ours, not fideslang's), with `fidesops_meta` renamed `fides_meta`.
 * - `system:` one per dataset, `fides_key: <dataset>_store`, `system_type: Database`, one privacy
 *   declaration per purpose of the pack (in the pack's order): the purpose's `data_use`, subject
 *   `customer`, the dataset as reference, and the purpose's categories AS THE PACK WRITES THEM.
 *   Those are the project taxonomy's names (`contact.email`), not fideslang's (`user.contact.email`):
 *   no mapping between the two exists yet, so none is invented; they become fideslang names when
 *   the packs move to fideslang's taxonomy (README.md, "Status").
 */
export interface ExportPurpose {
  readonly key: string;
  readonly dataUse?: string | null;
  readonly categories: readonly string[];
}

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FidesExport {
  dataset: Raw[];
  system: Raw[];
}

function fideslangField(field: Raw): Raw {
  const out: Raw = {};
  for (const [k, v] of Object.entries(field)) {
    if (k === 'privacy_gateway') continue;
    if (k === 'fidesops_meta') {
      if (field.fides_meta === undefined) out.fides_meta = v;
      continue;
    }
    out[k] = k === 'fields' && Array.isArray(v) ? v.map(fideslangField) : v;
  }
  return out;
}

function fideslangDataset(dataset: Raw): Raw {
  const out: Raw = { ...dataset };
  if (Array.isArray(dataset.collections)) out.collections = dataset.collections.map(fideslangField);
  return out;
}

/** Loads and checks the dataset files (throws CatalogError), then builds the export. */
export function exportFides(files: readonly string[], purposes: readonly ExportPurpose[]): FidesExport {
  const missing = purposes.filter((p) => !p.dataUse).map((p) => p.key);
  if (missing.length) throw new Error(`purposes without a data_use (a privacy declaration needs one): ${missing.join(', ')}`);
  loadDatasets(files);
  const dataset: Raw[] = [];
  for (const file of files) for (const d of (parse(fs.readFileSync(file, 'utf8')) as Raw).dataset as Raw[]) dataset.push(fideslangDataset(d));
  const system = dataset.map((d) => ({
    fides_key: `${d.fides_key}_store`,
    name: d.name ?? d.fides_key,
    description: `The store described by dataset ${d.fides_key}, fronted by the privacy gateway`,
    system_type: 'Database',
    privacy_declarations: purposes.map((p) => ({
      name: p.key,
      data_categories: [...p.categories],
      data_use: p.dataUse,
      data_subjects: ['customer'],
      dataset_references: [d.fides_key],
    })),
  }));
  return { dataset, system };
}

export const EXPORT_HEADER = [
  '# fideslang resources written by `npm run catalog -- export`: the datasets and one system per store.',
  "# The privacy declarations' data_categories are the policy pack's own category names, not fideslang's,",
  '# until the packs move to fideslang\'s taxonomy (src/catalog/README.md).',
].join('\n');

export function exportYaml(result: FidesExport): string {
  return `${EXPORT_HEADER}\n${stringify(result, { lineWidth: 0 })}`;
}

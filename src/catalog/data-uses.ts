import FIDESLANG from './fideslang-data-uses.json';

/**
 * fideslang's default data uses (`fideslang-data-uses.json`, a transcription of
 * `DEFAULT_DATA_USES`; source in its `_source` block and in README.md). A policy pack maps each
 * purpose to one of them (`data_use:`, policies/FORMAT.md); `catalog export` writes it on the
 * purpose's privacy declaration.
 */
export interface DataUse {
  readonly fides_key: string;
  readonly name: string;
  readonly parent_key: string | null;
  readonly version_deprecated: string | null;
  readonly replaced_by: string | null;
}

export const DATA_USES: readonly DataUse[] = FIDESLANG.data_uses as DataUse[];

const BY_KEY: ReadonlyMap<string, DataUse> = new Map(DATA_USES.map((u) => [u.fides_key, u]));

/** Why `key` cannot be a purpose's data use (unknown, or deprecated in fideslang), or null. */
export function dataUseProblem(key: string): string | null {
  const use = BY_KEY.get(key);
  if (!use) return `"${key}" is not a fideslang data use (src/catalog/fideslang-data-uses.json)`;
  if (use.version_deprecated) return `"${key}" is deprecated in fideslang ${use.version_deprecated}: use "${use.replaced_by}"`;
  return null;
}

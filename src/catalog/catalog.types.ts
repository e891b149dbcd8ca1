/**
 * The catalogue as the gateway uses it once loaded (src/catalog/dataset.ts): datasets, their
 * collections and fields in fideslang's terms, with our additions (`privacy_gateway`) read out.
 */
export type ErasureAction = 'keep' | 'nullify' | 'replace' | 'delete_row';

export interface FieldReference {
  readonly dataset: string;
  readonly collection: string;
  /** The referenced field's path inside its collection (one name, or more for a nested field). */
  readonly field: readonly string[];
  readonly direction: 'from' | 'to' | null;
}

export interface CatalogField {
  readonly name: string;
  /** Names from the collection down to this field (`['address', 'city']` for a nested one). */
  readonly path: readonly string[];
  readonly line: number;
  readonly description: string | null;
  /** Categories as written (fideslang keys, deprecated ones included). */
  readonly declaredCategories: readonly string[];
  /** The same, deprecated keys read as their replacements, without repeats. */
  readonly categories: readonly string[];
  readonly primaryKey: boolean;
  readonly identity: string | null;
  readonly dataType: string | null;
  readonly readOnly: boolean;
  readonly references: readonly FieldReference[];
  /** Our extension (`privacy_gateway:`); absent keys are null / false. */
  readonly gateway: {
    readonly graphqlName: string | null;
    readonly erasure: ErasureAction | null;
    readonly replacement: string | number | boolean | null;
    readonly correctable: boolean;
  };
  readonly fields: readonly CatalogField[];
}

export interface CatalogCollection {
  readonly name: string;
  readonly line: number;
  readonly description: string | null;
  readonly declaredCategories: readonly string[];
  readonly categories: readonly string[];
  /** Names of the top-level fields marked `primary_key` (several: a composite key). */
  readonly primaryKey: readonly string[];
  readonly gateway: {
    readonly graphqlName: string | null;
    readonly sourceField: string | null;
    readonly collectedAtField: string | null;
  };
  readonly fields: readonly CatalogField[];
}

export interface CatalogDataset {
  readonly key: string;
  readonly name: string | null;
  readonly description: string | null;
  readonly file: string;
  readonly line: number;
  readonly declaredCategories: readonly string[];
  readonly categories: readonly string[];
  readonly collections: readonly CatalogCollection[];
}

export interface Catalog {
  readonly datasets: readonly CatalogDataset[];
  /** Not errors: deprecated categories read as their replacement, each as `file:line: key: message`. */
  readonly warnings: readonly string[];
}

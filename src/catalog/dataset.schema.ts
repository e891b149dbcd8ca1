/**
 * JSON Schema of a dataset file in fideslang's format (src/catalog/README.md), checked with ajv by
 * dataset.ts. Written from ethyca/fideslang `src/fideslang/models.py` (Dataset, DatasetCollection,
 * DatasetField, FidesMeta, CollectionMeta, DatasetMetadata, FidesDatasetReference) and
 * `validation.py` (FidesKey, DATA_TYPE_NAMES): every key fideslang 3.x defines is accepted with its
 * type, so a dataset written for Fides loads unchanged; `null` is accepted wherever fideslang has an
 * Optional (Fides writes `description: null` and the like). Unknown keys are refused (fideslang
 * ignores them silently; here a typo such as `data_categorie` must not drop a category), except the
 * keys older fideslang versions wrote and 3.x ignores (listed in LEGACY_*), which are accepted and
 * ignored.
 *
 * Our own additions live under one key, `privacy_gateway`, on a collection and on a field (beside
 * `fides_meta`, which fideslang types differently at each level). Rules that need more than the
 * shape (categories in the taxonomy, references resolving, names unique, what a primary key may do)
 * are checked in dataset.ts with the same error shape.
 */

/** fideslang FidesKey: `^[a-zA-Z0-9_.<>-]+$`. */
const fidesKey = { type: 'string', pattern: '^[a-zA-Z0-9_.<>-]+$' };
const fidesKeys = { type: ['array', 'null'], items: fidesKey };
const optString = { type: ['string', 'null'] };
const optBool = { type: ['boolean', 'null'] };
const redact = { enum: ['name', null] };
/** fideslang DATA_TYPE_NAMES, optionally as an array (`string[]`). */
export const FIDES_DATA_TYPES = ['string', 'integer', 'float', 'boolean', 'object_id', 'object'] as const;
const dataType = { type: ['string', 'null'], pattern: `^(${FIDES_DATA_TYPES.join('|')})(\\[\\])?$` };
/** A GraphQL name (graphql spec, Names). */
const graphqlName = { type: 'string', pattern: '^[_A-Za-z][_0-9A-Za-z]*$' };

/** Keys fideslang 1.x/2.x wrote and 3.x ignores: accepted, ignored. */
export const LEGACY_DATASET_KEYS = ['retention', 'data_qualifier', 'data_qualifiers', 'joint_controller', 'third_country_transfers', 'fidesctl_meta'] as const;
export const LEGACY_COLLECTION_KEYS = ['retention', 'data_qualifier', 'data_qualifiers'] as const;
export const LEGACY_FIELD_KEYS = ['retention', 'data_qualifier', 'data_qualifiers'] as const;
const ignored = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, {}]));

/** What erasure does to a field (privacy_gateway.erasure). */
export const ERASURE_ACTIONS = ['keep', 'nullify', 'replace', 'delete_row'] as const;

const fieldMeta = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    references: {
      type: ['array', 'null'],
      items: {
        type: 'object', additionalProperties: false, required: ['dataset', 'field'],
        properties: { dataset: fidesKey, field: { type: 'string' }, direction: { enum: ['from', 'to', null] } },
      },
    },
    identity: optString,
    primary_key: optBool,
    data_type: dataType,
    length: { type: ['integer', 'null'], minimum: 1 },
    return_all_elements: optBool,
    read_only: optBool,
    custom_request_field: optString,
    masking_strategy_override: {
      type: ['object', 'null'], additionalProperties: false, required: ['strategy'],
      properties: { strategy: { type: 'string' }, configuration: { type: ['object', 'null'] } },
    },
    redact,
  },
};

const collectionKey = { type: 'string', pattern: '^[a-zA-Z0-9_<>-]+\\.[a-zA-Z0-9_<>-]+$' };
const collectionMeta = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    after: { type: ['array', 'null'], items: collectionKey },
    erase_after: { type: ['array', 'null'], items: collectionKey },
    skip_processing: optBool,
    masking_strategy_override: {
      type: ['object', 'null'], additionalProperties: false, required: ['strategy'],
      properties: { strategy: { enum: ['delete'] } },
    },
    partitioning: { type: ['object', 'array', 'null'], items: { type: 'object' } },
    redact,
  },
};

const datasetMeta = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { resource_id: optString, after: fidesKeys, namespace: { type: ['object', 'null'] }, redact },
};

/** Our extension on a field. */
const gatewayField = {
  type: 'object',
  additionalProperties: false,
  properties: {
    graphql_name: graphqlName,
    erasure: { enum: [...ERASURE_ACTIONS] },
    replacement: { type: ['string', 'number', 'boolean'] },
    correctable: { type: 'boolean' },
  },
};

/** Our extension on a collection. */
const gatewayCollection = {
  type: 'object',
  additionalProperties: false,
  properties: {
    graphql_name: graphqlName,
    source_field: { type: 'string' },
    collected_at_field: { type: 'string' },
  },
};

const categoryLists = { data_categories: fidesKeys, data_uses: fidesKeys, data_purposes: fidesKeys, data_subjects: fidesKeys };

export const DATASET_FILE_SCHEMA = {
  $defs: {
    field: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1 },
        description: optString,
        ...categoryLists,
        fides_meta: fieldMeta,
        fidesops_meta: fieldMeta,
        fields: { type: ['array', 'null'], items: { $ref: '#/$defs/field' } },
        privacy_gateway: gatewayField,
        ...ignored(LEGACY_FIELD_KEYS),
      },
    },
  },
  type: 'object',
  additionalProperties: false,
  required: ['dataset'],
  properties: {
    dataset: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['fides_key', 'collections'],
        properties: {
          fides_key: fidesKey,
          organization_fides_key: fidesKey,
          tags: { type: ['array', 'null'], items: { type: 'string' } },
          name: optString,
          description: optString,
          meta: { type: ['object', 'null'] },
          ...categoryLists,
          fides_meta: datasetMeta,
          fidesops_meta: datasetMeta,
          collections: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['name', 'fields'],
              properties: {
                name: { type: 'string', minLength: 1 },
                description: optString,
                ...categoryLists,
                fields: { type: 'array', items: { $ref: '#/$defs/field' } },
                fides_meta: collectionMeta,
                fidesops_meta: collectionMeta,
                privacy_gateway: gatewayCollection,
                ...ignored(LEGACY_COLLECTION_KEYS),
              },
            },
          },
          ...ignored(LEGACY_DATASET_KEYS),
        },
      },
    },
  },
} as const;

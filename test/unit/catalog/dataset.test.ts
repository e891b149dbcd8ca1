import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CatalogError, loadDatasets } from '../../../src/catalog/dataset';

/** Dataset files in fideslang's format: a valid pair loads whole; every error names file, line and key. */

const FIXTURES = path.resolve(__dirname, '../../fixtures/catalog');
const CRM = fs.readFileSync(path.join(FIXTURES, 'crm.yml'), 'utf8');
const BILLING = fs.readFileSync(path.join(FIXTURES, 'billing.yml'), 'utf8');

/** Writes the files under their names in a fresh folder; messages are read with that folder removed. */
function write(files: Record<string, string>): { dir: string; paths: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-'));
  const paths = Object.entries(files).map(([name, text]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  });
  return { dir, paths };
}

function problemsOf(files: Record<string, string>): string[] {
  const { dir, paths } = write(files);
  try {
    loadDatasets(paths);
  } catch (e) {
    if (e instanceof CatalogError) return e.problems.map((p) => p.split(path.relative(process.cwd(), dir) + path.sep).join(''));
    throw e;
  }
  return [];
}

/** The line holding exactly `line` (ignoring indentation). */
function lineIs(text: string, line: string): number {
  const n = text.split('\n').findIndex((l) => l.trim() === line) + 1;
  if (n === 0) throw new Error(`fixture has no line ${line}`);
  return n;
}

function lineOf(text: string, needle: string): number {
  const n = text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  if (n === 0) throw new Error(`fixture has no line with ${needle}`);
  return n;
}

const field = (over: Record<string, unknown>) => ({
  description: null, declaredCategories: [], categories: [], primaryKey: false, identity: null, dataType: null, readOnly: false,
  references: [], gateway: { graphqlName: null, erasure: null, replacement: null, correctable: false }, fields: [], ...over,
});

test('a valid pair of datasets loads whole, aliases resolved, a deprecated category warned about', () => {
  const { dir, paths } = write({ 'crm.yml': CRM, 'billing.yml': BILLING });
  const shown = path.relative(process.cwd(), dir);
  const catalog = loadDatasets(paths);
  expect(catalog.warnings).toEqual([
    `${path.join(shown, 'crm.yml')}:35: dataset[0].collections[0].fields[3].data_categories[0]: "user.job_title" is deprecated since fideslang 3.2.0; read as "user.professional_information.job_title"`,
  ]);
  expect(catalog.datasets).toEqual([
    {
      key: 'crm', name: 'CRM', description: 'Customer records', file: path.join(shown, 'crm.yml'), line: 3, declaredCategories: [], categories: [],
      collections: [
        {
          name: 'customers', line: 8, description: null, declaredCategories: [], categories: [], primaryKey: ['id'],
          gateway: { graphqlName: 'Customer', sourceField: 'source', collectedAtField: 'created_at' },
          fields: [
            field({ name: 'id', path: ['id'], line: 14, primaryKey: true, dataType: 'string' }),
            field({
              name: 'email', path: ['email'], line: 18, declaredCategories: ['user.contact.email'], categories: ['user.contact.email'],
              identity: 'email', dataType: 'string', gateway: { graphqlName: null, erasure: 'replace', replacement: 'erased@invalid', correctable: true },
            }),
            field({
              name: 'first_name', path: ['first_name'], line: 27, declaredCategories: ['user.name.first'], categories: ['user.name.first'],
              gateway: { graphqlName: 'firstName', erasure: 'nullify', replacement: null, correctable: true },
            }),
            field({ name: 'job', path: ['job'], line: 33, declaredCategories: ['user.job_title'], categories: ['user.professional_information.job_title'] }),
            field({
              name: 'address', path: ['address'], line: 36, declaredCategories: ['user.contact.address'], categories: ['user.contact.address'], dataType: 'object',
              fields: [field({ name: 'city', path: ['address', 'city'], line: 41, declaredCategories: ['user.contact.address.city'], categories: ['user.contact.address.city'] })],
            }),
            field({ name: 'source', path: ['source'], line: 43 }),
            field({ name: 'created_at', path: ['created_at'], line: 44 }),
          ],
        },
        {
          name: 'notes', line: 45, description: null, declaredCategories: [], categories: [], primaryKey: ['customer_id', 'seq'],
          gateway: { graphqlName: null, sourceField: null, collectedAtField: null },
          fields: [
            field({ name: 'customer_id', path: ['customer_id'], line: 47, primaryKey: true, references: [{ dataset: 'crm', collection: 'customers', field: ['id'], direction: 'from' }] }),
            field({ name: 'seq', path: ['seq'], line: 54, primaryKey: true, dataType: 'integer' }),
            field({
              name: 'body', path: ['body'], line: 58, declaredCategories: ['user.content.private'], categories: ['user.content.private'],
              gateway: { graphqlName: null, erasure: 'delete_row', replacement: null, correctable: false },
            }),
          ],
        },
      ],
    },
    {
      key: 'billing', name: null, description: null, file: path.join(shown, 'billing.yml'), line: 2, declaredCategories: [], categories: [],
      collections: [
        {
          name: 'invoices', line: 4, description: null, declaredCategories: [], categories: [], primaryKey: [],
          gateway: { graphqlName: null, sourceField: null, collectedAtField: null },
          fields: [
            field({ name: 'customer_id', path: ['customer_id'], line: 8, references: [{ dataset: 'crm', collection: 'customers', field: ['id'], direction: null }] }),
            field({ name: 'card_last4', path: ['card_last4'], line: 13, declaredCategories: ['user.financial.credit_card'], categories: ['user.financial.credit_card'] }),
          ],
        },
      ],
    },
  ]);
});

test('a dataset as Fides writes it (nulls, fidesops_meta, legacy keys) loads unchanged', () => {
  const fides = [
    'dataset:',
    '- fides_key: shop',
    '  organization_fides_key: default_organization',
    '  tags: null',
    '  name: shop',
    '  description: null',
    '  meta: null',
    '  data_categories: []',
    '  fides_meta: null',
    '  retention: No retention or erasure policy',
    '  collections:',
    '  - name: users',
    '    description: null',
    '    data_categories: null',
    '    fides_meta:',
    '      skip_processing: false',
    '      masking_strategy_override: null',
    '    fields:',
    '    - name: email',
    '      description: null',
    '      data_categories:',
    '      - user.contact.email',
    '      data_qualifier: aggregated.anonymized.unlinked_pseudonymized.pseudonymized.identified',
    '      fides_meta:',
    '        references: null',
    '        identity: email',
    '        primary_key: null',
    '        data_type: string',
    '        length: null',
    '        return_all_elements: null',
    '        read_only: null',
    '        custom_request_field: null',
    '        masking_strategy_override: null',
    '        redact: null',
    '      fields: null',
    '    - name: tags',
    '      fides_meta:',
    '        data_type: string[]',
    '        return_all_elements: true',
    '',
  ].join('\n');
  expect(problemsOf({ 'shop.yml': fides })).toEqual([]);
});

test('YAML syntax errors name the line', () => {
  expect(problemsOf({ 'bad.yml': 'dataset:\n  - fides_key: [crm\n' })).toEqual([
    'bad.yml:3: YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1:',
  ]);
});

test('shape errors name file, line and key: unknown keys, bad types, bad enums, missing keys', () => {
  const text = CRM
    .replace('          - name: seq\n', '          - nme: seq\n')
    .replace('              direction: from', '              direction: sideways')
    .replace('              data_type: integer', '              data_type: int')
    .replace('              erasure: nullify', '              erasure: forget')
    .replace('          graphql_name: Customer', '          graphql_name: Customer\n          owner: sales')
    .replace('            data_categories: [user.name.first]', '            data_categorie: [user.name.first]');
  expect(problemsOf({ 'bad.yml': text })).toEqual([
    `bad.yml:${lineOf(text, 'data_categorie:')}: dataset[0].collections[0].fields[2].data_categorie: is not a fideslang dataset key (our own keys go under privacy_gateway)`,
    `bad.yml:${lineOf(text, 'erasure: forget')}: dataset[0].collections[0].fields[2].privacy_gateway.erasure: must be one of: keep, nullify, replace, delete_row`,
    `bad.yml:${lineOf(text, 'owner: sales')}: dataset[0].collections[0].privacy_gateway.owner: is not a privacy_gateway key`,
    `bad.yml:${lineOf(text, 'direction: sideways')}: dataset[0].collections[1].fields[0].fidesops_meta.references[0].direction: must be one of: from, to`,
    `bad.yml:${lineOf(text, 'nme: seq')}: dataset[0].collections[1].fields[1]: must have required property 'name'`,
    `bad.yml:${lineOf(text, 'nme: seq')}: dataset[0].collections[1].fields[1].nme: is not a fideslang dataset key (our own keys go under privacy_gateway)`,
    `bad.yml:${lineOf(text, 'data_type: int')}: dataset[0].collections[1].fields[1].fides_meta.data_type: must match pattern "^(string|integer|float|boolean|object_id|object)(\\[\\])?$"`,
  ]);
});

test('an unknown data category is refused at every level, with file, line and key', () => {
  const text = CRM
    .replace('    organization_fides_key: default_organization', '    organization_fides_key: default_organization\n    data_categories: [user.shoe_size]')
    .replace('                data_categories: [user.contact.address.city]', '                data_categories: [user.contact.address.town]')
    .replace('            data_categories: [user.contact.email]', '            data_categories: [user.contact.email, contact.email]');
  expect(problemsOf({ 'bad.yml': text })).toEqual([
    `bad.yml:${lineOf(text, 'user.shoe_size')}: dataset[0].data_categories[0]: "user.shoe_size" is not a fideslang data category`,
    `bad.yml:${lineOf(text, 'contact.email]')}: dataset[0].collections[0].fields[1].data_categories[1]: "contact.email" is not a fideslang data category`,
    `bad.yml:${lineOf(text, 'user.contact.address.town')}: dataset[0].collections[0].fields[4].fields[0].data_categories[0]: "user.contact.address.town" is not a fideslang data category`,
  ]);
});

test('references must name an existing dataset, collection and field (nested fields by dotted path)', () => {
  const billing = BILLING.replace('                  field: customers.id', '                  field: customers.idd')
    + [
      '          - name: city',
      '            fides_meta:',
      '              references:',
      '                - { dataset: crm, field: customers.address.city }',
      '                - { dataset: crm, field: customers.address.town }',
      '                - { dataset: crm, field: clients.id }',
      '                - { dataset: crm, field: customers }',
      '                - { dataset: ledger, field: accounts.id }',
      '',
    ].join('\n');
  expect(problemsOf({ 'crm.yml': CRM, 'billing.yml': billing })).toEqual([
    `billing.yml:${lineOf(billing, 'customers.idd')}: dataset[0].collections[0].fields[0].fides_meta.references[0].field: collection "crm.customers" has no field "idd"`,
    `billing.yml:${lineOf(billing, 'address.town')}: dataset[0].collections[0].fields[2].fides_meta.references[1].field: collection "crm.customers" has no field "address.town"`,
    `billing.yml:${lineOf(billing, 'clients.id')}: dataset[0].collections[0].fields[2].fides_meta.references[2].field: dataset "crm" has no collection "clients"`,
    `billing.yml:${lineOf(billing, 'field: customers }')}: dataset[0].collections[0].fields[2].fides_meta.references[3].field: "customers" must name a collection and a field ("collection.field")`,
    `billing.yml:${lineOf(billing, 'ledger')}: dataset[0].collections[0].fields[2].fides_meta.references[4].dataset: unknown dataset "ledger"`,
  ]);
  // Alone, billing names a dataset no file defines; so does its collection order (fides_meta.after).
  expect(problemsOf({ 'billing.yml': BILLING })).toEqual([
    `billing.yml:${lineOf(BILLING, 'after: [crm.customers]')}: dataset[0].collections[0].fides_meta.after[0]: unknown dataset "crm"`,
    `billing.yml:${lineOf(BILLING, 'dataset: crm')}: dataset[0].collections[0].fields[0].fides_meta.references[0].dataset: unknown dataset "crm"`,
  ]);
});

test('duplicates: datasets across files, collections, fields, GraphQL names', () => {
  const crm2 = CRM.replace('      - name: notes', '      - name: customers')
    .replace('          - name: source\n', '          - name: source\n          - name: source\n')
    .replace('              erasure: nullify', '              erasure: nullify\n          - name: first\n            privacy_gateway:\n              graphql_name: firstName');
  const other = 'dataset:\n  - fides_key: crm\n    collections:\n      - name: people\n        privacy_gateway: { graphql_name: Customer }\n        fields: [{ name: id }]\n';
  expect(problemsOf({ 'crm.yml': crm2, 'other.yml': other })).toEqual([
    `crm.yml:${lineIs(crm2, '- name: first') + 2}: dataset[0].collections[0].fields[3].privacy_gateway.graphql_name: duplicate graphql_name "firstName"`,
    `crm.yml:${lineOf(crm2, '- name: source') + 1}: dataset[0].collections[0].fields[7].name: duplicate field "source"`,
    `crm.yml:${lineOf(crm2, '- name: created_at') + 1}: dataset[0].collections[1].name: duplicate collection "customers"`,
    `other.yml:2: dataset[0].fides_key: dataset "crm" is already defined at crm.yml:3`,
    `other.yml:5: dataset[0].collections[0].privacy_gateway.graphql_name: graphql_name "Customer" is already used at crm.yml:${lineOf(crm2, 'graphql_name: Customer')}`,
  ]);
});

test('primary keys, erasure and the collection fields our extension names are checked', () => {
  const text = CRM
    .replace('          collected_at_field: created_at', '          collected_at_field: inserted_at')
    .replace('              primary_key: true\n              data_type: string', '              primary_key: true\n              data_type: string\n            privacy_gateway:\n              erasure: nullify\n              correctable: true')
    .replace('              replacement: erased@invalid\n', '')
    .replace('              erasure: delete_row', '              erasure: delete_row\n              replacement: 0')
    .replace('                data_categories: [user.contact.address.city]', '                data_categories: [user.contact.address.city]\n                fides_meta: { primary_key: true }')
    .replace('              data_type: object', '              data_type: string')
    .replace('              data_type: integer', '              data_type: integer\n              return_all_elements: true');
  expect(problemsOf({ 'bad.yml': text })).toEqual([
    `bad.yml:${lineOf(text, 'erasure: nullify')}: dataset[0].collections[0].fields[0].privacy_gateway.erasure: a primary-key field cannot be erased by nullify; use delete_row or keep`,
    `bad.yml:${lineOf(text, 'correctable: true')}: dataset[0].collections[0].fields[0].privacy_gateway.correctable: a primary-key field cannot be correctable`,
    `bad.yml:${lineOf(text, 'erasure: replace')}: dataset[0].collections[0].fields[1].privacy_gateway.erasure: erasure replace needs a replacement value`,
    `bad.yml:${lineOf(text, 'name: address') + 3}: dataset[0].collections[0].fields[4].fides_meta.data_type: a field with sub-fields must have data_type object, not string`,
    `bad.yml:${lineOf(text, '{ primary_key: true }')}: dataset[0].collections[0].fields[4].fields[0].fides_meta.primary_key: a primary key must be a top-level field of its collection`,
    `bad.yml:${lineOf(text, 'inserted_at')}: dataset[0].collections[0].privacy_gateway.collected_at_field: collection "customers" has no field "inserted_at"`,
    `bad.yml:${lineOf(text, 'return_all_elements')}: dataset[0].collections[1].fields[1].fides_meta.return_all_elements: return_all_elements can only be set on an array field (data_type ending in [])`,
    `bad.yml:${lineOf(text, 'replacement: 0')}: dataset[0].collections[1].fields[2].privacy_gateway.replacement: a replacement is only used with erasure: replace`,
  ]);
});

test('an unreadable file is named', () => {
  const missing = path.join(os.tmpdir(), 'no-such-dataset.yml');
  let problems: string[] = ['not thrown'];
  try {
    loadDatasets([missing]);
  } catch (e) {
    problems = (e as CatalogError).problems;
  }
  expect(problems).toEqual([`${path.relative(process.cwd(), missing)}: cannot read the file`]);
});

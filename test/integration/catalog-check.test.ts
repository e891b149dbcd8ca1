import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseDocument } from 'yaml';
import { collectionsOf, createDatabase, execSql, runCatalog } from '../support/catalog-cli';

/**
 * `npm run catalog -- check` against a database created here: what `catalog draft` writes for it,
 * once every field has a category, checks clean; a hand-written dataset with one of each mistake is
 * reported line by line; an unreachable database is one line naming the error's code.
 */
jest.setTimeout(60_000);
const DB = `check_${randomBytes(4).toString('hex')}`;
let url = '';
let dir = '';

const run = (args: string[]) => runCatalog(args, dir);
const exec = execSql;

beforeAll(async () => {
  url = await createDatabase(DB);
  await exec(url, `
    CREATE TABLE customer (
      id bigint PRIMARY KEY,
      email text NOT NULL UNIQUE,
      full_name text,
      profile jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      source text
    );
    CREATE TABLE orders (
      customer_id bigint NOT NULL REFERENCES customer (id),
      seq int NOT NULL,
      total numeric(8, 2),
      handled_by bigint,
      note_author bigint,
      PRIMARY KEY (customer_id, seq)
    );
    CREATE VIEW customer_emails AS SELECT id, email FROM customer;
  `);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-check-'));
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await exec(process.env.TEST_PG_ADMIN_URL!, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
});

test('the drafted dataset, every field given a category, checks clean against its database', async () => {
  const drafted = path.join(dir, 'drafted.yaml');
  const d = await run(['draft', '--url', url, '--key', 'shop', '--out', drafted]);
  expect(d.code).toBe(0);
  // What a reviewer does: fields the draft left uncategorised hold no personal data here.
  const doc = parseDocument(fs.readFileSync(drafted, 'utf8'));
  for (const { collection: coll, fields } of collectionsOf(doc)) {
    for (const field of fields) {
      if ((field.toJSON() as { data_categories: string[] }).data_categories.length === 0) field.set('data_categories', ['system.operations']);
    }
    if (coll.get('name') === 'customer') coll.set('privacy_gateway', { source_field: 'source', collected_at_field: 'created_at' });
  }
  const reviewed = path.join(dir, 'reviewed.yaml');
  fs.writeFileSync(reviewed, doc.toString());

  const r = await run(['check', '--dataset', 'reviewed.yaml', '--url', `shop=${url}`]);
  expect(r).toEqual({ code: 0, stdout: 'catalog check: 0 errors, 0 warnings in 1 dataset (2 collections, 11 fields)\n', stderr: '' });
});

/** One of each mistake; the expected output below names the lines (counted by hand). */
const SHOP = `dataset:
  - fides_key: shop
    collections:
      - name: customer
        privacy_gateway: { collected_at_field: source }
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: { primary_key: true, data_type: string }
          - name: email
            data_categories: [user.contact.email]
            fides_meta: { data_type: string, identity: email }
          - name: phone
            data_categories: [user.contact.phone_number]
          - name: full_name
            data_categories: []
          - name: source
            data_categories: [system.operations]
          - name: profile
            fields:
              - name: nickname
                data_categories: [user.name]
              - name: theme
      - name: orders
        fields:
          - name: customer_id
            data_categories: [system.operations]
            fides_meta:
              primary_key: true
              references: [{ dataset: shop, field: customer.id }]
          - name: seq
            data_categories: [system.operations]
          - name: total
            data_categories: [user.financial]
            fides_meta: { primary_key: true, data_type: float }
          - name: handled_by
            data_categories: [system.operations]
            fides_meta: { references: [{ dataset: shop, field: customer.id }] }
          - name: note_author
            data_categories: [system.operations]
            fides_meta: { references: [{ dataset: shop, field: customer.phone }] }
      - name: customer_emails
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: { data_type: integer }
          - name: email
            data_categories: [user.contact.email]
      - name: invoices
        fields:
          - name: id
            data_categories: [system.operations]
`;

test('a missing table and column, a wrong data_type and primary key, a reference to a missing column, a field without category: each on its line', async () => {
  fs.writeFileSync(path.join(dir, 'shop.yaml'), SHOP);
  const r = await run(['check', '--dataset', 'shop.yaml', '--url', `shop=${url}`]);
  expect(r).toEqual({
    code: 1,
    stderr: '',
    stdout: [
      'error: shop.yaml:5: dataset[0].collections[0].privacy_gateway.collected_at_field: column "source" is text: collected_at_field needs a date or timestamp column',
      'error: shop.yaml:9: dataset[0].collections[0].fields[0].fides_meta.data_type: column "id" is bigint: data_type integer, not string',
      'error: shop.yaml:13: dataset[0].collections[0].fields[2].name: table "customer" has no column "phone"',
      'error: shop.yaml:16: dataset[0].collections[0].fields[3].data_categories: field has no data category: add one, or system.operations if it holds no personal data',
      'error: shop.yaml:23: dataset[0].collections[0].fields[5].fields[1]: field has no data category: add one, or system.operations if it holds no personal data',
      'error: shop.yaml:31: dataset[0].collections[1].fields[1].name: column "seq" is in the primary key of table "orders": mark it fides_meta.primary_key: true',
      'error: shop.yaml:35: dataset[0].collections[1].fields[2].fides_meta.primary_key: column "total" is not in the primary key of table "orders" (customer_id, seq)',
      'error: shop.yaml:41: dataset[0].collections[1].fields[4].fides_meta.references[0].field: "customer.phone": table "customer" of dataset "shop" has no column "phone"',
      'error: shop.yaml:49: dataset[0].collections[3].name: no table or view "invoices" in schema "public"',
      'warning: shop.yaml:38: dataset[0].collections[1].fields[3].fides_meta.references[0].field: no foreign key links "orders.handled_by" and "customer.id": the database does not enforce this reference',
      'catalog check: 9 errors, 1 warning in 1 dataset (4 collections, 16 fields)',
      '',
    ].join('\n'),
  });
});

test('an unreachable database: one line naming the error by its code, never the URL or its password', async () => {
  fs.writeFileSync(path.join(dir, 'small.yaml'), [
    'dataset:',
    '  - fides_key: small',
    '    collections:',
    '      - name: customer',
    '        fields:',
    '          - name: id',
    '            data_categories: [system.operations]',
    '',
  ].join('\n'));
  const closed = new URL(url);
  closed.port = '1';
  closed.password = 'secret-pw';
  const r = await run(['check', '--dataset', 'small.yaml', '--url', `small=${closed.toString()}`]);
  expect(r).toEqual({
    code: 1,
    stderr: '',
    stdout: 'error: small.yaml:2: dataset[0].fides_key: cannot read the database of dataset "small": system error ECONNREFUSED\n'
      + 'catalog check: 1 error, 0 warnings in 1 dataset (1 collection, 1 field)\n',
  });
});

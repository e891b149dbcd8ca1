import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isMap, isScalar, parse, parseDocument } from 'yaml';
import { CliRun, collectionsOf, createDatabase, execSql, runCatalog } from '../support/catalog-cli';

/**
 * `npm run catalog -- draft` against a database the demo never had (created here): an account
 * whose identity is an email, a composite primary key, a table two references away from the
 * account (through a composite foreign key), a nullable self-reference, a reference into another
 * schema, odd column names, a domain, an enum, an array, jsonb and bytea; a view and TypeORM's
 * migrations table that the draft leaves out. The expected dataset is written out below by hand.
 */
jest.setTimeout(60_000);
const DB = `draft_${randomBytes(4).toString('hex')}`;
let url = '';
let dir = '';

const run = (args: string[]) => runCatalog(args);
const exec = execSql;

beforeAll(async () => {
  url = await createDatabase(DB);
  await exec(url, `
    CREATE TYPE plan_tier AS ENUM ('free', 'pro');
    CREATE DOMAIN postcode AS varchar(10);
    CREATE SCHEMA ops;
    CREATE TABLE ops.carrier (id int PRIMARY KEY, name text);
    CREATE TABLE account (
      account_no bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      "E-Mail Address" text NOT NULL UNIQUE,
      "givenName" varchar(80),
      "FAMILY_NAME" varchar(80),
      dob date,
      "mobileTel" text,
      tier plan_tier NOT NULL DEFAULT 'free',
      password_hash bytea,
      preferences jsonb,
      last_login_ip inet,
      "taxId" varchar(20),
      referred_by bigint REFERENCES account (account_no),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE shipping_address (
      account_no bigint NOT NULL REFERENCES account (account_no),
      label text NOT NULL,
      street text,
      city text,
      "Zip" postcode,
      country char(2),
      PRIMARY KEY (account_no, label)
    );
    CREATE TABLE parcel (
      parcel_id uuid PRIMARY KEY,
      account_no bigint NOT NULL,
      address_label text,
      weight_kg numeric(6, 2),
      tracking_codes text[],
      fragile boolean NOT NULL DEFAULT false,
      carrier_id int REFERENCES ops.carrier (id),
      delivery_description text,
      FOREIGN KEY (account_no, address_label) REFERENCES shipping_address (account_no, label)
    );
    ALTER TABLE account DROP COLUMN preferences;
    ALTER TABLE account ADD COLUMN preferences jsonb;
    CREATE TABLE typeorm_migrations (id serial PRIMARY KEY, name varchar NOT NULL);
    CREATE VIEW account_emails AS SELECT "E-Mail Address" FROM account;
  `);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-draft-'));
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await exec(process.env.TEST_PG_ADMIN_URL!, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
});

const GUESS = ' guessed from the column name: review';

/** The dataset the schema above should give, by hand. */
const expected = (key: string) => ({
  dataset: [{
    fides_key: key,
    name: DB,
    description: `Drafted from the PostgreSQL database "${DB}" by npm run catalog -- draft: review every guessed category and categorise every field left with none`,
    collections: [
      {
        name: 'account',
        fields: [
          { name: 'account_no', data_categories: [], fides_meta: { primary_key: true, data_type: 'integer' } },
          { name: 'E-Mail Address', data_categories: ['user.contact.email'], fides_meta: { identity: 'email', data_type: 'string' } },
          { name: 'givenName', data_categories: ['user.name'], fides_meta: { data_type: 'string', length: 80 } },
          { name: 'FAMILY_NAME', data_categories: ['user.name'], fides_meta: { data_type: 'string', length: 80 } },
          { name: 'dob', data_categories: ['user.demographic.date_of_birth'], fides_meta: { data_type: 'string' } },
          { name: 'mobileTel', data_categories: ['user.contact.phone_number'], fides_meta: { data_type: 'string' } },
          { name: 'tier', data_categories: [], fides_meta: { data_type: 'string' } },
          { name: 'password_hash', data_categories: ['user.authorization.credentials'] },
          { name: 'last_login_ip', data_categories: ['user.device.ip_address'], fides_meta: { data_type: 'string' } },
          { name: 'taxId', data_categories: ['user.government_id'], fides_meta: { data_type: 'string', length: 20 } },
          { name: 'referred_by', data_categories: [], fides_meta: { data_type: 'integer', references: [{ dataset: key, field: 'account.account_no' }] } },
          { name: 'created_at', data_categories: [], fides_meta: { data_type: 'string' } },
          { name: 'preferences', data_categories: [] },
        ],
      },
      {
        name: 'parcel',
        fields: [
          { name: 'parcel_id', data_categories: [], fides_meta: { primary_key: true, data_type: 'string' } },
          { name: 'account_no', data_categories: [], fides_meta: { data_type: 'integer', references: [{ dataset: key, field: 'shipping_address.account_no' }] } },
          { name: 'address_label', data_categories: ['user.contact.address'], fides_meta: { data_type: 'string', references: [{ dataset: key, field: 'shipping_address.label' }] } },
          { name: 'weight_kg', data_categories: [], fides_meta: { data_type: 'float' } },
          { name: 'tracking_codes', data_categories: [], fides_meta: { data_type: 'string[]' } },
          { name: 'fragile', data_categories: [], fides_meta: { data_type: 'boolean' } },
          { name: 'carrier_id', data_categories: [], fides_meta: { data_type: 'integer' } },
          { name: 'delivery_description', data_categories: [], fides_meta: { data_type: 'string' } },
        ],
      },
      {
        name: 'shipping_address',
        fields: [
          { name: 'account_no', data_categories: [], fides_meta: { primary_key: true, data_type: 'integer', references: [{ dataset: key, field: 'account.account_no' }] } },
          { name: 'label', data_categories: [], fides_meta: { primary_key: true, data_type: 'string' } },
          { name: 'street', data_categories: ['user.contact.address.street'], fides_meta: { data_type: 'string' } },
          { name: 'city', data_categories: ['user.contact.address.city'], fides_meta: { data_type: 'string' } },
          { name: 'Zip', data_categories: ['user.contact.address.postal_code'], fides_meta: { data_type: 'string', length: 10 } },
          { name: 'country', data_categories: ['user.contact.address.country'], fides_meta: { data_type: 'string', length: 2 } },
        ],
      },
    ],
  }],
});

/** Every comment-bearing key of every field, as `collection.field key: comment`. */
const expectedComments = [
  'account.E-Mail Address data_categories:' + GUESS,
  'account.E-Mail Address fides_meta.identity:' + GUESS,
  'account.givenName data_categories:' + GUESS,
  'account.FAMILY_NAME data_categories:' + GUESS,
  'account.dob data_categories:' + GUESS,
  'account.mobileTel data_categories:' + GUESS,
  'account.password_hash data_categories:' + GUESS,
  'account.last_login_ip data_categories:' + GUESS,
  'account.taxId data_categories:' + GUESS,
  'parcel.address_label data_categories:' + GUESS,
  'shipping_address.street data_categories:' + GUESS,
  'shipping_address.city data_categories:' + GUESS,
  'shipping_address.Zip data_categories:' + GUESS,
  'shipping_address.country data_categories:' + GUESS,
];

/** The comments the YAML carries on each field's keys (parsed, not by matching text). */
function commentsOf(text: string): string[] {
  const doc = parseDocument(text);
  const found: string[] = [];
  for (const { collection: coll, fields } of collectionsOf(doc)) {
    for (const field of fields) {
      const at = `${String(coll.get('name'))}.${String(field.get('name'))}`;
      for (const pair of field.items) {
        const key = String((pair.key as { value: unknown }).value);
        const v = pair.value as { comment?: string | null } | null;
        if (v?.comment) found.push(`${at} ${key}:${v.comment}`);
        if (isMap(pair.value)) {
          for (const inner of pair.value.items) {
            const iv = inner.value as { comment?: string | null } | null;
            if (isScalar(inner.value) && iv?.comment) found.push(`${at} ${key}.${String((inner.key as { value: unknown }).value)}:${iv.comment}`);
          }
        }
      }
    }
  }
  return found;
}

test('draft --out: the dataset the schema gives, every guess commented on its line; views and typeorm_migrations left out', async () => {
  const out = path.join(dir, 'draft.yaml');
  const r = await run(['draft', '--url', url, '--out', out]);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toBe(`wrote ${out}: dataset ${DB}, 3 collections, 27 fields, 13 categories guessed (review them), 14 fields with none\n`);
  const text = fs.readFileSync(out, 'utf8');
  expect(parse(text)).toEqual(expected(DB));
  expect(commentsOf(text)).toEqual(expectedComments);
  // No other comment anywhere (document, collections, lists).
  expect(text.split('\n').filter((l) => l.includes('#')).length).toBe(expectedComments.length);
  // One line per guess: the category list is written inline, its comment beside it.
  expect(text).toContain(`      - name: E-Mail Address\n            data_categories: [user.contact.email] #${GUESS}\n`);
});

test('draft to stdout with --key; a second --out over an existing file is refused', async () => {
  const r = await run(['draft', '--url', url, '--key', 'parcels_db']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(parse(r.stdout)).toEqual(expected('parcels_db'));
  expect(commentsOf(r.stdout)).toEqual(expectedComments);

  const out = path.join(dir, 'kept.yaml');
  fs.writeFileSync(out, 'reviewed: true\n');
  const again = await run(['draft', '--url', url, '--out', out]);
  expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({
    code: 2, stdout: '', stderr: `catalog: ${out} exists: a draft never overwrites a dataset (remove it or name another --out)\n`,
  });
  expect(fs.readFileSync(out, 'utf8')).toBe('reviewed: true\n');
});

test('--schema: another schema is its own dataset; an empty or unknown schema drafts nothing', async () => {
  const r = await run(['draft', '--url', url, '--schema', 'ops']);
  expect(r.code).toBe(0);
  expect(parse(r.stdout)).toEqual({
    dataset: [{
      fides_key: `${DB}_ops`,
      name: DB,
      description: `Drafted from schema "ops" of the PostgreSQL database "${DB}" by npm run catalog -- draft: review every guessed category and categorise every field left with none`,
      collections: [{
        name: 'carrier',
        fields: [
          { name: 'id', data_categories: [], fides_meta: { primary_key: true, data_type: 'integer' } },
          { name: 'name', data_categories: ['user.name'], fides_meta: { data_type: 'string' } },
        ],
      }],
    }],
  });
  const none = await run(['draft', '--url', url, '--schema', 'nowhere']);
  expect({ code: none.code, stdout: none.stdout, stderr: none.stderr }).toEqual({ code: 1, stdout: '', stderr: 'catalog: schema "nowhere" has no tables: nothing to draft\n' });
});

/** The one JSON log line of a failed draft, without its time. */
function failure(r: CliRun): unknown {
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  const { time: _t, ...rest } = JSON.parse(lines[0]) as Record<string, unknown>;
  return { code: r.code, stdout: r.stdout, line: rest };
}

test('an unreachable server, a missing database or a wrong password: one line naming the error by its code, never the URL or PostgreSQL\'s message', async () => {
  const u = new URL(url);
  const password = u.password;
  const msg = 'catalog draft failed: could not read the database schema';

  const closed = new URL(url);
  closed.port = '1';
  expect(failure(await run(['draft', '--url', closed.toString()]))).toEqual({ code: 1, stdout: '', line: { level: 'error', msg, error: 'system error', code: 'ECONNREFUSED' } });

  const missing = new URL(url);
  missing.pathname = `/${DB}_missing`;
  const m = await run(['draft', '--url', missing.toString()]);
  expect(failure(m)).toEqual({ code: 1, stdout: '', line: { level: 'error', msg, error: 'database error', code: '3D000' } });
  expect(m.stderr).not.toContain(`${DB}_missing`);

  const wrong = new URL(url);
  wrong.password = 'not-the-password';
  const w = await run(['draft', '--url', wrong.toString()]);
  expect(failure(w)).toEqual({ code: 1, stdout: '', line: { level: 'error', msg, error: 'database error', code: '28P01' } });
  expect(w.stderr).not.toContain('not-the-password');
  expect(w.stderr).not.toContain(password);
});

test('bad command lines: usage, exit 2, the URL never echoed', async () => {
  const USAGE = 'usage: npm run catalog -- draft --url <postgres url> [--schema public] [--key KEY] [--out FILE]\n'
    + '       npm run catalog -- check --dataset FILE [--dataset FILE ...] --url <fides_key>=<postgres url> [--url ...]\n'
    + '       npm run catalog -- export --dataset FILE [--dataset FILE ...] --pack FILE [--out FILE]\n';
  const cases: [string[], string][] = [
    [[], 'a command is required: draft, check or export'],
    [['exports'], 'unknown command "exports": draft, check or export'],
    [['export', '--pack', 'p.yaml'], 'export needs --dataset FILE (one per dataset file)'],
    [['export', '--dataset', 'a.yaml'], 'export needs --pack FILE (the policy pack whose purposes the systems declare)'],
    [['check', '--url', 'x=postgres://h/db'], 'check needs --dataset FILE (one per dataset file)'],
    [['check', '--dataset', 'a.yaml'], 'check needs --url <fides_key>=<postgres url> (one per dataset)'],
    [['check', '--dataset', 'a.yaml', '--url', 'postgres://u:secret-pw@h/db'], '--url must be <fides_key>=<postgres url>'],
    [['check', '--dataset', 'a.yaml', '--url', 'a=mysql://u:secret-pw@h/db'], '--url a=... must be a postgres:// or postgresql:// URL'],
    [['check', '--dataset', 'a.yaml', '--url', 'a=postgres://h/db', '--url', 'a=postgres://h/db2'], '--url a=... is given twice'],
    [['check', '--dataset', 'a.yaml', '--url', 'a=postgres://h/db', '--out', 'x'], '--out is an option of draft, not check'],
    [['draft', '--url', url, '--url', url], 'draft takes one --url'],
    [['draft'], 'draft needs --url <postgres url>'],
    [['draft', '--url', 'secret-pw@nowhere'], '--url is not a URL (postgres://user:password@host:port/database)'],
    [['draft', '--url', 'mysql://u:secret-pw@h/db'], '--url must be a postgres:// or postgresql:// URL'],
    [['draft', '--url', 'postgres://u:secret-pw@h'], '--url must name a database (postgres://host/database)'],
    [['draft', '--url', url, '--key', 'bad key'], '--key must be a fides_key: letters, digits and _ . < > -'],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    expect({ args, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ args, code: 2, stdout: '', stderr: `catalog: ${message}\n${USAGE}` });
  }
  const help = await run(['--help']);
  expect({ code: help.code, stdout: help.stdout }).toEqual({ code: 0, stdout: USAGE });
});

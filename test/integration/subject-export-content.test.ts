import fs from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { TestGateway } from '../support/gateway';
import { expectedDocumentOf, exportUrl, fieldCategories, ROOT, exportSuite, STRUCTURAL } from '../support/subject-export';
import { loadPack } from '../../src/policy/load-pack';
import { openSubjectExport, TABLES } from '../../src/rights/export/collect';
import { JsonRenderer } from '../../src/rights/export/render-json';
import { RETENTION_RULES } from '../../src/policy/retention';

/**
 * The right-to-access export (GET /subjects/{id}/export, GraphQL subjectExport), of a customer
 * seeded by the demo generator plus a few reads by services (test/support/subject-export.ts):
 *  - the JSON document is compared, field by field, with what the stores hold, read here
 *    directly (every value, source and collectedAt; categories from the GraphQL schema's
 *    @category tags), and validated against the published docs/subject-export.schema.json;
 *  - the export is in the access log (one entry per category) before a byte is sent.
 * The HTML page is in subject-export-html.test.ts, refused requests in subject-export-errors.test.ts.
 */
let gw: TestGateway;
let subject: { id: string; name: string };
let dpoToken: string;

const { get, dpo } = exportSuite((e) => ({ gw, subject, dpoToken } = e));
const expectedDocument = (customerId: string, generatedAt: string, excludeRequestId: string | null) => expectedDocumentOf(gw, customerId, generatedAt, excludeRequestId);

// ---------------------------------------------------------------------------------------------
// The JSON document
// ---------------------------------------------------------------------------------------------

describe('JSON export', () => {
  let body: Record<string, unknown>;
  let requestId: string;

  beforeAll(async () => {
    const r = await get(exportUrl(subject.id), dpo({ 'x-justification': 'DSAR-2026-001' })).buffer(true).parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => cb(null, text));
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="subject-export-${subject.id}.json"`);
    expect(r.headers['cache-control']).toBe('no-store');
    requestId = r.headers['x-request-id'];
    body = JSON.parse(r.body as string);
  });

  test('holds every value, source and collection time the stores hold, and the rest of Art.15, as the stores and the pack say', async () => {
    const expected = await expectedDocument(subject.id, body.generatedAt as string, requestId);
    expect(body).toEqual(expected);
    // The seeded subject is a real test of the grouping: most kinds of data are there.
    const categories = (body.personalData as { category: string }[]).map((c) => c.category);
    for (const c of ['identity.name', 'identity.date_of_birth', 'contact.email', 'contact.phone', 'contact.address', 'account.username',
      'technical.ip_address', 'technical.user_agent', 'technical.activity_time', 'financial.order', 'financial.invoice']) expect(categories).toContain(c);
    expect((body.recipients as unknown[]).length).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(body.generatedAt as string)).toBeLessThan(60_000);
  });

  test('recipients: who was given which category for which purpose, in full or masked, first and last time, how often', async () => {
    const recipients = body.recipients as { caller: string; purpose: string; category: string; effect: string; count: number }[];
    const brief = recipients.map(({ caller, purpose, category, effect, count }) => `${caller} ${purpose} ${category} ${effect} x${count}`);
    expect(brief).toEqual(expect.arrayContaining([
      'billing-service payment financial.bank_account MASK x1',
      'billing-service payment identity.name ALLOW x1',
      'crm-service account_management account.username ALLOW x2',
      'crm-service account_management contact.email ALLOW x2',
      'crm-service account_management identity.name ALLOW x2',
      'support-service after_sales contact.email ALLOW x1',
    ]));
    expect(brief.some((b) => b.includes('identity.national_id'))).toBe(false); // denied: not received
  });

  test('retention: per category, what the retention sweep does and which purpose sets it, not the 10 years of the rights-administration purposes', () => {
    const retention = body.retention as { category: string; rule: string; retention: string | null; purpose: string | null }[];
    const brief = Object.fromEntries(retention.map((r) => [r.category, `${r.rule} ${r.retention ?? '-'} ${r.purpose ?? '-'}`]));
    // policies/smarttech.yaml, read by hand: the longest retention of the purposes covering each category.
    expect(brief).toEqual(expect.objectContaining({
      'identity.name': 'retention P5Y account_management',
      'identity.date_of_birth': 'retention P5Y account_management',
      'identity.gender': 'not_collected - -',
      'contact.email': 'retention P5Y account_management',
      'technical.ip_address': 'retention P1Y product_improvement',
      'financial.order': 'retention P5Y legal_compliance',
      'financial.invoice': 'retention P5Y legal_compliance',
      'financial.bank_account': 'retention P2Y payment',
    }));
    expect(retention.filter((r) => r.retention === 'P10Y' || r.rule === 'no_purpose')).toEqual([]);
  });

  test('validates against the published JSON Schema (docs/subject-export.schema.json)', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/subject-export.schema.json'), 'utf8'));
    // The schema names every retention rule the gateway can state, and no other.
    expect(schema.properties.retention.items.properties.rule.enum).toEqual([...RETENTION_RULES]);
    const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    const ok = validate(body);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // And the schema is not vacuous: an unknown field, a wrong type and a missing source fail.
    const broken = JSON.parse(JSON.stringify(body));
    broken.personalData[0].records[0].values.extra = 'x';
    broken.personalData[1].records[0].source = 1;
    delete broken.recipients[0].count;
    expect(validate(broken)).toBe(false);
  });

  test('the export is in the access log: one entry per category exported, committed before the response', async () => {
    const rows = await gw.stores.gateway.query(
      `SELECT caller, roles, purpose, justification, customer_id, type_name, field_path, fields, category, effect, reason, rule FROM access_log_entries WHERE request_id = $1 ORDER BY category`,
      [requestId]);
    const categories = (body.personalData as { category: string }[]).map((c) => c.category).sort();
    expect(rows).toEqual(categories.map((category) => ({
      caller: 'dpo-console', roles: ['dpo'], purpose: 'data_subject_request', justification: 'DSAR-2026-001', customer_id: subject.id,
      type_name: 'SubjectExport', field_path: 'export', fields: [], category, effect: 'ALLOW', reason: null, rule: 'purposes.data_subject_request',
    })));
  });

  test('keyset pages give the same document whatever the page size (records, history and recipients)', async () => {
    const pack = loadPack(gw.config.policyPath);
    const now = new Date();
    const render = async (pageRows: number) => {
      const x = (await openSubjectExport({ stores: gw.stores, pack, now, pageRows }, subject.id))!;
      const renderer = new JsonRenderer();
      const kinds: string[] = [];
      let text = renderer.start(x.head);
      try {
        for await (const p of x.parts()) {
          kinds.push(p.kind);
          text += renderer.part(p);
        }
        text += renderer.end();
      } finally {
        await x.close();
      }
      return { doc: JSON.parse(text), pages: kinds };
    };
    const one = await render(1);
    const big = await render(2000);
    expect(one.doc).toEqual(big.doc);
    const records = (big.doc.personalData as { count: number }[]).reduce((n, c) => n + c.count, 0);
    const recipients = (big.doc.recipients as unknown[]).length;
    expect(one.pages.filter((k) => k === 'records')).toHaveLength(records);
    expect(one.pages.filter((k) => k === 'recipientRows')).toHaveLength(recipients);
    expect(recipients).toBeGreaterThan(1);
  });

  test('GraphQL subjectExport returns the same document as a JSON object, and records itself', async () => {
    const r = await gw.gql({ token: dpoToken, purpose: 'data_subject_request', query: `query ($id: ID!) { subjectExport(customerId: $id) }`, variables: { id: subject.id } });
    expect(r.status).toBe(200);
    const doc = r.body.data.subjectExport;
    expect(r.body.errors).toBeUndefined();
    // The HTTP export above is now itself a recipient entry (dpo-console, data_subject_request).
    expect(doc).toEqual(await expectedDocument(subject.id, doc.generatedAt, r.headers['x-request-id']));
    expect((doc.recipients as { caller: string }[]).some((x) => x.caller === 'dpo-console')).toBe(true);
    const logged = await gw.stores.gateway.query(`SELECT type_name, field_path, category, effect, rule FROM access_log_entries WHERE request_id = $1 ORDER BY category`, [r.headers['x-request-id']]);
    expect(logged).toEqual((doc.personalData as { category: string }[]).map((c) => c.category).sort()
      .map((category) => ({ type_name: 'SubjectExport', field_path: 'export', category, effect: 'ALLOW', rule: 'purposes.data_subject_request' })));
  });
});

test('every column of every CRM and billing table is exported under the category its GraphQL field carries', async () => {
  const exported = new Map(TABLES.map((t) => [t.table, t]));
  for (const store of ['crm', 'billing'] as const) {
    const cols: { table_name: string; column_name: string }[] = await gw.stores[store].query(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY table_name, ordinal_position`);
    const tables = [...new Set(cols.map((c) => c.table_name))];
    expect(tables.filter((t) => !exported.has(t))).toEqual([]);
    for (const table of tables) {
      const spec = exported.get(table)!;
      const fromSchema = Object.fromEntries(fieldCategories(spec.type));
      expect(Object.fromEntries(spec.fields.map((f) => [f.name, f.category]))).toEqual(fromSchema);
      const columns = cols.filter((c) => c.table_name === table && !STRUCTURAL.has(c.column_name)).map((c) => c.column_name);
      const shownBy = (col: string) => spec.fields.filter((f) => new RegExp(`\\b${col}\\b`).test(f.sql)).map((f) => f.name);
      expect(columns.filter((col) => shownBy(col).length === 0)).toEqual([]);
    }
  }
});

import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { parse as parseYaml } from 'yaml';
import { startTestGateway, TestGateway } from '../support/gateway';
import { civilEnd } from '../support/civil-calendar';
import { accessLog, ask, bornYearsAgo, denied, EVENT_FIELDS, eventView, expectResponse, insertPerson, iso, rootError, storedEvents, YEAR_DAYS } from '../fixtures/pack-scenarios';

/**
 * Rectification and erasure under SNS Helper (policies/snshelper.yaml), through HTTP. The policy
 * (วิธีการขอดู, แก้ไข ...): data under correction is neither used nor provided until corrected,
 * and third parties that received the wrong data are told of the correction. Its retention items
 * (ระยะเวลาการเก็บรักษา ข.) keep e-commerce and complaint records 5 years and login records
 * 6 months, which an erasure must respect.
 */
let gw: TestGateway;
const DPO = ['dpo'];
const PACK = parseYaml(fs.readFileSync(path.resolve(__dirname, '../../policies/snshelper.yaml'), 'utf8')) as { purposes: { key: string; cite: string }[] };
const cite = (purpose: string) => PACK.purposes.find((p) => p.key === purpose)!.cite;
const RECT = 'id customerId category field recordId requestId status requestedAt requestedBy resolvedAt resolvedBy rowsUpdated recipients { caller purpose firstReadAt lastReadAt reads }';

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'snshelper.yaml' });
});
afterAll(() => gw.close());

/** When the gateway decided a request (the access log's `at`). */
async function decidedAt(r: Response): Promise<string> {
  const [{ at }] = await gw.stores.gateway.query(`SELECT min(at) AS at FROM access_log WHERE request_id = $1`, [r.headers['x-request-id']]);
  return iso(at);
}

/** A Rectification as the gateway should show it, from what the gateway database holds. */
async function rectificationView(id: string, v: { status: string; rowsUpdated?: number | null; recipients?: unknown[] }) {
  const [r] = await gw.stores.gateway.query(`SELECT * FROM rectification_requests WHERE id = $1`, [id]);
  const [s] = await gw.stores.gateway.query(`SELECT * FROM rectification_resolutions WHERE rectification_id = $1`, [id]);
  return {
    id, customerId: r.customer_id, category: r.category, field: r.field, recordId: r.record_id, requestId: r.request_id, status: v.status,
    requestedAt: iso(r.requested_at), requestedBy: r.requested_by, resolvedAt: s ? iso(s.resolved_at) : null, resolvedBy: s?.resolved_by ?? null,
    rowsUpdated: v.rowsUpdated ?? null, recipients: v.recipients ?? [],
  };
}

describe('data under correction is neither used nor provided; resolving tells the callers that read it', () => {
  test('a phone correction: who read it before, blocked for every purpose meanwhile, corrected in the store, the request completed', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_fix', firstName: 'Nattaya', lastName: 'Fixes', dateOfBirth: bornYearsAgo(29), collectedDaysAgo: 60,
      emails: [{ address: 'nattaya.fixes@example.test' }], phones: [{ number: '+66844440001' }],
    });
    const qp = `query($id: ID!) { customer(id: $id) { phones { number } } }`;
    const qe = `query($id: ID!) { customer(id: $id) { emails { address } } }`;
    const first = await ask(gw, 'support-service', 'consultation', qp, { id: c.id });
    const second = await ask(gw, 'support-service', 'consultation', qp, { id: c.id });
    const fraud = await ask(gw, 'security-service', 'fraud_prevention', qp, { id: c.id });
    for (const r of [first, second, fraud]) expectResponse(r, 200, { data: { customer: { phones: [{ number: '+66844440001' }] } } });
    // Not readers of the phone: a denied read, another category, an explanation.
    // A list whose every category is denied for the customer is denied whole, logged once for the list.
    const marketing = await ask(gw, 'marketing-service', 'marketing', qp, { id: c.id });
    expectResponse(marketing, 200, {
      data: { customer: { phones: null } }, errors: [denied(qp, ['customer', 'phones'], 'NO_CONSENT', 'contact.phone', 'purposes.marketing.lawful_basis')],
    });
    expect(await accessLog(gw, marketing)).toEqual([{ effect: 'DENY', reason: 'NO_CONSENT', category: 'contact.phone', field_path: 'customer', fields: ['phones'] }]);
    expectResponse(await ask(gw, 'crm-service', 'membership', qe, { id: c.id }), 200, { data: { customer: { emails: [{ address: 'nattaya.fixes@example.test' }] } } });
    const ex = await ask(gw, 'dpo-console', null, `{ explain(customerId: "${c.id}", purpose: "consultation", categories: ["contact.phone"]) { decisions { effect } } }`, undefined, DPO);
    expectResponse(ex, 200, { data: { explain: { decisions: [{ effect: 'ALLOW' }] } } });

    const rec = await ask(gw, 'dpo-console', null, `mutation { recordRightsRequest(customerId: "${c.id}", kind: rectification, details: { channel: "line" }) { id } }`, undefined, DPO);
    const requestId = rec.body.data.recordRightsRequest.id as string;
    const m = `mutation($v: String!) { requestRectification(customerId: "${c.id}", category: "contact.phone", field: "number", correctedValue: $v, requestId: "${requestId}") { ${RECT} } }`;
    const asked = await ask(gw, 'dpo-console', null, m, { v: '+66 84 444 9999' }, DPO);
    const [{ id: rectId }] = await gw.stores.gateway.query(`SELECT id::text FROM rectification_requests WHERE customer_id = $1`, [c.id]);
    const pending = await rectificationView(rectId, { status: 'pending' });
    expect(pending).toMatchObject({ category: 'contact.phone', field: 'number', recordId: c.phones[0].id, requestId, requestedBy: 'dpo-console' });
    expectResponse(asked, 200, { data: { requestRectification: pending } });
    // The corrected value waits in the gateway, and nowhere in the response or the history.
    expect(await gw.stores.gateway.query(`SELECT corrected_value FROM rectification_values WHERE rectification_id = $1`, [rectId])).toEqual([{ corrected_value: '+66 84 444 9999' }]);
    expect(JSON.stringify(asked.body)).not.toContain('9999');

    // Meanwhile: withheld from every purpose, even the legal e-commerce records; the e-mail is not under correction.
    for (const [caller, purpose] of [['billing-service', 'ecommerce_records'], ['support-service', 'consultation'], ['security-service', 'fraud_prevention']] as const) {
      const withheld = await ask(gw, caller, purpose, qp, { id: c.id });
      expectResponse(withheld, 200, {
        data: { customer: { phones: null } }, errors: [denied(qp, ['customer', 'phones'], 'RECTIFICATION_PENDING', 'contact.phone', 'rectification.contact.phone')],
      });
      expect(await accessLog(gw, withheld)).toEqual([{ effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'contact.phone', field_path: 'customer', fields: ['phones'] }]);
    }
    expectResponse(await ask(gw, 'crm-service', 'membership', qe, { id: c.id }), 200, { data: { customer: { emails: [{ address: 'nattaya.fixes@example.test' }] } } });

    const resolve = `mutation { resolveRectification(id: "${rectId}") { ${RECT} } }`;
    const done = await ask(gw, 'dpo-console', null, resolve, undefined, DPO);
    const recipients = [
      { caller: 'security-service', purpose: 'fraud_prevention', firstReadAt: await decidedAt(fraud), lastReadAt: await decidedAt(fraud), reads: 1 },
      { caller: 'support-service', purpose: 'consultation', firstReadAt: await decidedAt(first), lastReadAt: await decidedAt(second), reads: 2 },
    ];
    expectResponse(done, 200, { data: { resolveRectification: await rectificationView(rectId, { status: 'corrected', rowsUpdated: 1, recipients }) } });
    expect(await gw.stores.gateway.query(`SELECT * FROM rectification_values WHERE rectification_id = $1`, [rectId])).toEqual([]);
    expect(await gw.stores.crm.query(`SELECT number FROM phones WHERE id = $1`, [c.phones[0].id])).toEqual([{ number: '+66 84 444 9999' }]);
    // Reading the access log for the recipients is itself logged.
    expect(await gw.stores.gateway.query(`SELECT caller, customer_id, type_name, field_path, category, effect FROM access_log_entries WHERE request_id = $1`, [done.headers['x-request-id']]))
      .toEqual([{ caller: 'dpo-console', customer_id: c.id, type_name: 'Rectification', field_path: 'resolveRectification', category: 'access_log', effect: 'ALLOW' }]);

    expectResponse(await ask(gw, 'support-service', 'consultation', qp, { id: c.id }), 200, { data: { customer: { phones: [{ number: '+66 84 444 9999' }] } } });
    const requests = await ask(gw, 'dpo-console', null, `{ rightsRequests(status: all, customerId: "${c.id}") { id status outcome resolvedBy } }`, undefined, DPO);
    expectResponse(requests, 200, {
      data: {
        rightsRequests: [{
          id: requestId, status: 'completed', resolvedBy: 'dpo-console',
          outcome: `Corrected: contact.phone number (rectification ${rectId}). Callers that read the old values, to be told (GDPR Art.19): security-service (fraud_prevention), support-service (consultation).`,
        }],
      },
    });
    const [requestEvent, resolveEvent] = await storedEvents(gw, 'rectification_events', c.id);
    expectResponse(await ask(gw, 'dpo-console', null, `{ consentHistory(customerId: "${c.id}") { ${EVENT_FIELDS} } }`, undefined, DPO), 200, {
      data: {
        consentHistory: [
          eventView(requestEvent, { kind: 'rectification', customerId: c.id, action: 'request', category: 'contact.phone', recordedBy: 'dpo-console' }),
          eventView(resolveEvent, { kind: 'rectification', customerId: c.id, action: 'resolve', category: 'contact.phone', recordedBy: 'dpo-console' }),
        ],
      },
    });
    const again = await ask(gw, 'dpo-console', null, resolve, undefined, DPO);
    expectResponse(again, 400, { data: null, errors: [rootError(resolve, 'resolveRectification', 'BAD_USER_INPUT', 'The rectification is already corrected', { id: rectId, status: 'corrected' })] });
  });

  test('two corrections of the name: the name stays withheld until the last is resolved; nobody had read it', async () => {
    const c = await insertPerson(gw.stores, { id: 'sns_name', firstName: 'Somsak', lastName: 'Misspelt', dateOfBirth: bornYearsAgo(50), collectedDaysAgo: 30 });
    const ask1 = `mutation { requestRectification(customerId: "${c.id}", category: "identity.name", field: "firstName", correctedValue: "Somsakdi") { id } }`;
    const ask2 = `mutation { requestRectification(customerId: "${c.id}", category: "identity.name", field: "lastName", correctedValue: "Misspelled") { id } }`;
    const id1 = (await ask(gw, 'dpo-console', null, ask1, undefined, DPO)).body.data.requestRectification.id as string;
    const id2 = (await ask(gw, 'dpo-console', null, ask2, undefined, DPO)).body.data.requestRectification.id as string;
    const q = `query($id: ID!) { customer(id: $id) { firstName lastName } }`;
    const withheld = {
      data: { customer: { firstName: null, lastName: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'RECTIFICATION_PENDING', 'identity.name', 'rectification.identity.name'),
        denied(q, ['customer', 'lastName'], 'RECTIFICATION_PENDING', 'identity.name', 'rectification.identity.name'),
      ],
    };
    expectResponse(await ask(gw, 'crm-service', 'membership', q, { id: c.id }), 200, withheld);

    const r1 = await ask(gw, 'dpo-console', null, `mutation { resolveRectification(id: "${id1}") { ${RECT} } }`, undefined, DPO);
    expectResponse(r1, 200, { data: { resolveRectification: await rectificationView(id1, { status: 'corrected', rowsUpdated: 1 }) } });
    expectResponse(await ask(gw, 'crm-service', 'membership', q, { id: c.id }), 200, withheld);
    expect((await gw.stores.gateway.query(`SELECT action FROM rectification_events WHERE customer_id = $1 ORDER BY id`, [c.id])).map((x: { action: string }) => x.action)).toEqual(['request', 'request']);

    await ask(gw, 'dpo-console', null, `mutation { resolveRectification(id: "${id2}") { id } }`, undefined, DPO);
    expectResponse(await ask(gw, 'crm-service', 'membership', q, { id: c.id }), 200, { data: { customer: { firstName: 'Somsakdi', lastName: 'Misspelled' } } });
    const list = await ask(gw, 'security-audit', null, `{ rectifications(customerId: "${c.id}") { ${RECT} } }`, undefined, ['auditor']);
    expectResponse(list, 200, { data: { rectifications: [await rectificationView(id1, { status: 'corrected', rowsUpdated: 1 }), await rectificationView(id2, { status: 'corrected', rowsUpdated: 1 })] } });
  });

  test('what cannot be corrected, or not like this: 400/404 without writing anything, and no value in any message', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_bad', firstName: 'Pim', lastName: 'Twomails', dateOfBirth: bornYearsAgo(35), collectedDaysAgo: 30,
      emails: [{ address: 'pim.one@example.test' }, { address: 'pim.two@example.test', primary: false }],
    });
    const count = async () => (await gw.stores.gateway.query(`SELECT (SELECT count(*) FROM rectification_requests WHERE customer_id = $1) + (SELECT count(*) FROM rectification_events WHERE customer_id = $1) AS n`, [c.id]))[0].n;
    const before = await count();
    const m = `mutation($cat: String!, $f: String!, $v: String!, $rec: ID, $req: ID) { requestRectification(customerId: "${c.id}", category: $cat, field: $f, correctedValue: $v, recordId: $rec, requestId: $req) { id } }`;
    const cases: [Record<string, unknown>, number, string, string, Record<string, unknown>][] = [
      [{ cat: 'contact.social_media', f: 'handle', v: 'pim_secret_handle' }, 400, 'BAD_USER_INPUT', 'This category cannot be corrected through the gateway',
        { category: 'contact.social_media', supported: ['identity.name', 'identity.date_of_birth', 'contact.email', 'contact.phone', 'contact.address', 'financial.bank_account'] }],
      [{ cat: 'contact.phone', f: 'kind', v: 'pim_secret_kind' }, 400, 'BAD_USER_INPUT', 'This field cannot be corrected through the gateway', { category: 'contact.phone', field: 'kind', supported: ['number'] }],
      [{ cat: 'contact.pigeon', f: 'address', v: 'x' }, 400, 'BAD_USER_INPUT', 'category is not in the taxonomy', { category: 'contact.pigeon' }],
      [{ cat: 'contact.email', f: 'address', v: 'pim_secret_not_an_email' }, 400, 'BAD_USER_INPUT', 'correctedValue is not an email address', { field: 'address' }],
      [{ cat: 'identity.name', f: 'lastName', v: '   ' }, 400, 'BAD_USER_INPUT', 'correctedValue must not be empty for this field', { field: 'lastName' }],
      [{ cat: 'identity.date_of_birth', f: 'dateOfBirth', v: '2999-01-01' }, 400, 'BAD_USER_INPUT', 'correctedValue is not a past date YYYY-MM-DD', { field: 'dateOfBirth' }],
      [{ cat: 'contact.email', f: 'address', v: 'pim.secret@example.test' }, 400, 'BAD_USER_INPUT', 'The customer has several records of this category: name one with recordId', {}],
      [{ cat: 'contact.email', f: 'address', v: 'pim.secret@example.test', rec: '999999' }, 404, 'NOT_FOUND', 'The customer has no record of this category with this id', { recordId: '999999' }],
      [{ cat: 'contact.phone', f: 'number', v: '+66800000000' }, 404, 'NOT_FOUND', 'The customer has no record of this category', {}],
      [{ cat: 'contact.email', f: 'address', v: 'pim.secret@example.test', rec: c.emails[1].id, req: '999999' }, 404, 'NOT_FOUND', 'No rights request with this id', { requestId: '999999' }],
    ];
    for (const [vars, status, code, message, extra] of cases) {
      const r = await ask(gw, 'dpo-console', null, m, vars, DPO);
      expectResponse(r, status, { data: null, errors: [rootError(m, 'requestRectification', code, message, extra)] });
      expect(JSON.stringify(r.body)).not.toContain('secret');
    }
    // A request of another kind does not carry a rectification.
    const access = (await ask(gw, 'dpo-console', null, `mutation { recordRightsRequest(customerId: "${c.id}", kind: access) { id } }`, undefined, DPO)).body.data.recordRightsRequest.id as string;
    const r = await ask(gw, 'dpo-console', null, m, { cat: 'contact.email', f: 'address', v: 'pim.secret@example.test', rec: c.emails[1].id, req: access }, DPO);
    expectResponse(r, 400, { data: null, errors: [rootError(m, 'requestRectification', 'BAD_USER_INPUT', 'The rights request is not a rectification request', { requestId: access, kind: 'access' })] });
    expect(await count()).toBe(before);

    // Named, the second address is corrected and the first left alone.
    const ok = await ask(gw, 'dpo-console', null, m, { cat: 'contact.email', f: 'address', v: 'pim.two@example.org', rec: c.emails[1].id }, DPO);
    const rid = ok.body.data.requestRectification.id as string;
    await ask(gw, 'dpo-console', null, `mutation { resolveRectification(id: "${rid}") { id } }`, undefined, DPO);
    expect(await gw.stores.crm.query(`SELECT address FROM emails WHERE customer_id = $1 ORDER BY id`, [c.id])).toEqual([{ address: 'pim.one@example.test' }, { address: 'pim.two@example.org' }]);
    const unknown = `mutation { resolveRectification(id: "999999") { id } }`;
    expectResponse(await ask(gw, 'dpo-console', null, unknown, undefined, DPO), 404, { data: null, errors: [rootError(unknown, 'resolveRectification', 'NOT_FOUND', 'No rectification with this id', { id: '999999' })] });
    const svc = `mutation { resolveRectification(id: "${rid}") { id } }`;
    expectResponse(await ask(gw, 'support-service', null, svc), 403, { data: null, errors: [rootError(svc, 'resolveRectification', 'FORBIDDEN', "The caller's roles do not allow this operation")] });
  });
});

describe('erasure (withdrawal from membership) keeps what ระยะเวลาการเก็บรักษา ข. keeps', () => {
  test('e-commerce and complaint records 5 years, login records 6 months, and nothing else they cover; the pending correction is discarded', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sns_leave', firstName: 'Kittipong', lastName: 'Leaves', dateOfBirth: bornYearsAgo(27), collectedDaysAgo: 2 * YEAR_DAYS,
      emails: [{ address: 'kittipong.leaves@example.test' }], phones: [{ number: '+66844440009' }],
      socialAccounts: [{ platform: 'instagram', handle: 'kit_leaves' }],
      accounts: [{ username: 'kit_sns', daysAgo: 100, logins: [{ daysAgo: 20, ipAddress: '203.0.113.90', userAgent: 'Mozilla/5.0 (kit)' }, { daysAgo: 300, ipAddress: '198.51.100.90', userAgent: 'Mozilla/5.0 (kit old)' }] }],
      communications: [{ channel: 'ticket', subject: 'Refund please', body: 'The likes never arrived.', daysAgo: 40 }],
      bankAccounts: [{ bankName: 'SCB', accountHolder: 'Kittipong Leaves', accountNumber: '4445550009' }],
      orders: [{ daysAgo: 400, total: '300.00', currency: 'THB', status: 'refunded', items: '500 x likes', invoice: { invoiceNumber: 'SNS-0099', billingName: 'Kittipong Leaves', billingAddress: 'Chiang Mai 50000', taxId: '3100000000009', amount: '300.00' } }],
    });
    await ask(gw, 'dpo-console', null, `mutation { requestRectification(customerId: "${c.id}", category: "contact.phone", field: "number", correctedValue: "+66844440010") { id } }`, undefined, DPO);
    const m = `mutation { eraseCustomer(customerId: "${c.id}") { categories { category store table deleted anonymised kept keptRecords { recordId collectedAt keptUntil purpose lawfulBasis retention cite } } } }`;
    const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    // Period ends in the civil calendar (a login of 31 August kept P6M is kept until the end of 28/29 February).
    const plus = (d: Date, years: number, months = 0) => iso(civilEnd(d, { years, months, days: 0 }));
    const kept = (id: string, at: Date, purpose: string, years: number, months = 0) => ({
      recordId: id, collectedAt: iso(at), keptUntil: plus(at, years, months), purpose, lawfulBasis: 'legal_obligation', retention: years ? `P${years}Y` : `P${months}M`, cite: cite(purpose),
    });
    const [login20] = c.accounts[0].logins;
    const cat = (category: string, store: string, table: string, deleted: number, anonymised: number, keptRecords: unknown[]) => ({ category, store, table, deleted, anonymised, kept: keptRecords.length, keptRecords });
    expectResponse(r, 200, {
      data: {
        eraseCustomer: {
          categories: [
            cat('identity.name', 'crm', 'customers', 0, 1, []),
            cat('identity.date_of_birth', 'crm', 'customers', 0, 1, []),
            cat('identity.gender', 'crm', 'customers', 0, 1, []),
            cat('identity.nationality', 'crm', 'customers', 0, 1, []),
            // Covered by complaint_records and ecommerce_records, not kept by them (kept_after_erasure): deleted.
            cat('contact.email', 'crm', 'emails', 1, 0, []),
            cat('contact.phone', 'crm', 'phones', 1, 0, []),
            cat('contact.social_media', 'crm', 'social_accounts', 1, 0, []),
            cat('technical.ip_address', 'crm', 'login_events', 1, 0, [kept(login20.id, login20.collectedAt, 'login_records', 0, 6)]),
            cat('technical.user_agent', 'crm', 'login_events', 1, 0, [kept(login20.id, login20.collectedAt, 'login_records', 0, 6)]),
            cat('technical.activity_time', 'crm', 'login_events', 1, 0, [kept(login20.id, login20.collectedAt, 'login_records', 0, 6)]),
            // The account stays as the anchor of the kept login, its username erased.
            cat('account.username', 'crm', 'accounts', 0, 1, []),
            cat('communication.support_ticket', 'crm', 'communications', 0, 0, [kept(c.communications[0].id, c.communications[0].collectedAt, 'complaint_records', 5)]),
            cat('communication.chat', 'crm', 'communications', 0, 0, [kept(c.communications[0].id, c.communications[0].collectedAt, 'complaint_records', 5)]),
            cat('financial.bank_account', 'billing', 'bank_accounts', 1, 0, []),
            cat('financial.invoice', 'billing', 'invoices', 0, 0, [kept(c.invoices[0].id, c.invoices[0].collectedAt, 'ecommerce_records', 5)]),
            // SNS Helper's pack has no financial.tax_id category: no obligation keeps it, so it is removed from the kept invoice.
            cat('financial.tax_id', 'billing', 'invoices', 0, 1, []),
            cat('financial.order', 'billing', 'orders', 0, 0, [kept(c.orders[0].id, c.orders[0].collectedAt, 'ecommerce_records', 5)]),
            cat('contact.phone', 'gateway', 'rectification_values', 1, 0, []),
          ],
        },
      },
    });
    // The correction is closed as discarded, its value gone; the phone itself is deleted.
    const [{ id: rid }] = await gw.stores.gateway.query(`SELECT id::text FROM rectification_requests WHERE customer_id = $1`, [c.id]);
    expectResponse(await ask(gw, 'dpo-console', null, `{ rectifications(customerId: "${c.id}") { id status rowsUpdated } }`, undefined, DPO), 200, {
      data: { rectifications: [{ id: rid, status: 'discarded_by_erasure', rowsUpdated: 0 }] },
    });
    const q = `query($id: ID!) { customer(id: $id) { firstName phones { number } invoices { invoiceNumber taxId } } }`;
    expectResponse(await ask(gw, 'billing-service', 'ecommerce_records', q, { id: c.id }), 200, {
      data: { customer: { firstName: null, phones: null, invoices: [{ invoiceNumber: 'SNS-0099', taxId: null }] } },
      errors: [
        denied(q, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(q, ['customer', 'phones'], 'SUBJECT_ERASED', 'contact.phone', 'erasure'),
        denied(q, ['customer', 'invoices', 0, 'taxId'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.tax_id', 'purposes.ecommerce_records.categories'),
      ],
    });
    const qm = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    expectResponse(await ask(gw, 'crm-service', 'membership', qm, { id: c.id }), 200, {
      data: { customer: { firstName: null, emails: null } },
      errors: [
        denied(qm, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qm, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      ],
    });
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestGateway, TestGateway } from '../support/gateway';
import { civilEnd } from '../support/civil-calendar';
import { accessLog, ask, bornYearsAgo, consent, denied, expectResponse, insertPerson, iso, rootError, Seeded, YEAR_DAYS } from '../fixtures/pack-scenarios';
import { expectedPolicyHash } from '../support/policy-hash';

/**
 * Erasure under the SmartTech pack (policies/smarttech.yaml), through HTTP: a request recorded,
 * the customer erased with the request's id, the receipt (what was erased, what legal_compliance
 * keeps for the Revenue Code, until when: the invoices and their orders only, its
 * `kept_after_erasure`), the reads afterwards (SUBJECT_ERASED except for what that purpose keeps)
 * and the request completed. Then the policy's promise on minors
 * ("ผู้เยาว์": data collected without a guardian's consent is deleted). Expected values are built
 * from the inserted records and the pack file.
 */
let gw: TestGateway;
const PACK_FILE = path.resolve(__dirname, '../../policies/smarttech.yaml');
const PACK_HASH = expectedPolicyHash(PACK_FILE); // the rules' hash, not the file's
const PACK = parseYaml(fs.readFileSync(PACK_FILE, 'utf8')) as { purposes: { key: string; cite: string }[] };
const LEGAL_CITE = PACK.purposes.find((p) => p.key === 'legal_compliance')!.cite;
const DPO = ['dpo'];

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'smarttech.yaml' });
});
afterAll(() => gw.close());

const RECEIPT = `receiptId erasureId customerId requestId erasedAt erasedBy pack policyHash
  categories { category store table deleted anonymised kept keptRecords { recordId collectedAt keptUntil purpose lawfulBasis retention cite } }`;
const REQUEST = 'id customerId kind receivedAt dueAt deadline status overdue outcome refusalReason resolvedAt resolvedBy recordedAt recordedBy details';

/** A period end in the civil calendar (29 February + 1 year is the end of 28 February), as src/policy/duration.ts. */
const plusYears = (d: Date, n: number) => civilEnd(d, { years: n, months: 0, days: 0 });
const plusDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);

/** A record kept for legal_compliance (P5Y). */
const keptUnderLegal = (id: string, collectedAt: Date) => ({
  recordId: id, collectedAt: iso(collectedAt), keptUntil: iso(plusYears(collectedAt, 5)), purpose: 'legal_compliance', lawfulBasis: 'legal_obligation', retention: 'P5Y', cite: LEGAL_CITE,
});
const cat = (category: string, store: string, table: string, counts: { deleted?: number; anonymised?: number; kept?: unknown[] }) => ({
  category, store, table, deleted: counts.deleted ?? 0, anonymised: counts.anonymised ?? 0, kept: counts.kept?.length ?? 0, keptRecords: counts.kept ?? [],
});

async function stored(customerId: string) {
  const [e] = await gw.stores.gateway.query(
    `SELECT e.id::text AS erasure_id, e.recorded_at, r.id::text AS receipt_id FROM erasures e JOIN erasure_receipts r ON r.erasure_id = e.id WHERE e.customer_id = $1 ORDER BY e.id DESC LIMIT 1`, [customerId]);
  return { erasureId: e.erasure_id as string, erasedAt: iso(e.recorded_at), receiptId: e.receipt_id as string };
}

describe('erasure: everything goes except what legal_compliance keeps for the Revenue Code', () => {
  let c: Seeded;
  beforeAll(async () => {
    c = await insertPerson(gw.stores, {
      id: 'st_forget', firstName: 'Kanya', lastName: 'Forget', dateOfBirth: bornYearsAgo(42), nationalId: '1101700205555', collectedDaysAgo: 3 * YEAR_DAYS,
      emails: [{ address: 'kanya.forget@example.test' }],
      phones: [{ number: '+66815550001' }],
      addresses: [{ line1: '99/1 Sukhumvit Soi 11', city: 'Bangkok', postcode: '10110', country: 'TH', daysAgo: 400 }],
      socialAccounts: [{ platform: 'line', handle: 'kanya_f' }],
      accounts: [{ username: 'kanya_st', logins: [{ daysAgo: 2, ipAddress: '203.0.113.50', userAgent: 'Mozilla/5.0 (kanya)' }, { daysAgo: 500, ipAddress: '198.51.100.50', userAgent: 'Mozilla/5.0 (old)' }] }],
      communications: [{ channel: 'ticket', subject: 'Kettle broken', body: 'The kettle I bought does not heat.', daysAgo: 10 }],
      callLogs: [{ phoneNumber: '+66815550001', direction: 'inbound', durationSeconds: 240, daysAgo: 10 }],
      healthDeclarations: [{ daysAgo: 5, temperatureC: 36.5, symptoms: [], exposure: false, vaccinationStatus: 'vaccinated' }],
      bankAccounts: [{ bankName: 'Kasikornbank', accountHolder: 'Kanya Forget', accountNumber: '0123450001' }],
      paymentCards: [{ token: 'tok_kanya', last4: '4242', brand: 'visa', expiryMonth: 12, expiryYear: 2029, daysAgo: 200 }],
      orders: [
        { daysAgo: 2 * YEAR_DAYS, total: '1290.00', currency: 'THB', status: 'delivered', items: '1 x kettle', invoice: { invoiceNumber: 'ST-INV-2001', billingName: 'Kanya Forget', billingAddress: 'Bangkok 10110', taxId: '1101700205555', amount: '1290.00' } },
        { daysAgo: 6 * YEAR_DAYS, total: '590.00', currency: 'THB', status: 'delivered', items: '1 x toaster', invoice: { invoiceNumber: 'ST-INV-1001', billingName: 'Kanya Forget', billingAddress: 'Bangkok 10110', taxId: '1101700205555', amount: '590.00' } },
        { daysAgo: 30, total: '99.00', currency: 'THB', status: 'paid', items: '1 x descaler' },
      ],
    });
  });

  test('the DPO records the request, erases with its id, gets the receipt; the request is completed with it', async () => {
    const rec = await ask(gw, 'dpo-console', null, `mutation { recordRightsRequest(customerId: "${c.id}", kind: erasure, details: { channel: "email", reference: "ST-2026-041" }) { id status } }`, undefined, DPO);
    expect(rec.status).toBe(200);
    const requestId = rec.body.data.recordRightsRequest.id as string;

    const m = `mutation($id: ID!, $req: ID) { eraseCustomer(customerId: $id, requestId: $req) { ${RECEIPT} } }`;
    const r = await ask(gw, 'dpo-console', null, m, { id: c.id, req: requestId }, DPO);
    const s = await stored(c.id);
    const [order2y, , order30d] = c.orders;
    const [invoice2y] = c.invoices;
    const receipt = {
      receiptId: s.receiptId, erasureId: s.erasureId, customerId: c.id, requestId, erasedAt: s.erasedAt, erasedBy: 'dpo-console', pack: 'smarttech', policyHash: PACK_HASH,
      categories: [
        // The customer row stays as the anchor, anonymised (the passport was never held).
        cat('identity.name', 'crm', 'customers', { anonymised: 1 }),
        cat('identity.date_of_birth', 'crm', 'customers', { anonymised: 1 }),
        cat('identity.gender', 'crm', 'customers', { anonymised: 1 }),
        cat('identity.nationality', 'crm', 'customers', { anonymised: 1 }),
        cat('identity.national_id', 'crm', 'customers', { anonymised: 1 }),
        cat('contact.email', 'crm', 'emails', { deleted: 1 }),
        cat('contact.phone', 'crm', 'phones', { deleted: 1 }),
        // legal_compliance covers the address and the card, but keeps only the tax records after an erasure.
        cat('contact.address', 'crm', 'postal_addresses', { deleted: 1 }),
        cat('contact.social_media', 'crm', 'social_accounts', { deleted: 1 }),
        cat('technical.ip_address', 'crm', 'login_events', { deleted: 2 }),
        cat('technical.user_agent', 'crm', 'login_events', { deleted: 2 }),
        cat('technical.activity_time', 'crm', 'login_events', { deleted: 2 }),
        cat('account.username', 'crm', 'accounts', { deleted: 1 }),
        cat('communication.support_ticket', 'crm', 'communications', { deleted: 1 }),
        cat('communication.chat', 'crm', 'communications', { deleted: 1 }),
        cat('communication.call_log', 'crm', 'call_logs', { deleted: 1 }),
        cat('health.declaration', 'crm', 'health_declarations', { deleted: 1 }),
        cat('financial.bank_account', 'billing', 'bank_accounts', { deleted: 1 }),
        cat('financial.payment_card', 'billing', 'payment_cards', { deleted: 1 }),
        // The 6-year-old invoice is past the Revenue Code's 5 years: deleted with its order.
        cat('financial.invoice', 'billing', 'invoices', { deleted: 1, kept: [keptUnderLegal(invoice2y.id, invoice2y.collectedAt)] }),
        cat('financial.tax_id', 'billing', 'invoices', { deleted: 1, kept: [keptUnderLegal(invoice2y.id, invoice2y.collectedAt)] }),
        cat('financial.order', 'billing', 'orders', { deleted: 1, kept: [keptUnderLegal(order2y.id, order2y.collectedAt), keptUnderLegal(order30d.id, order30d.collectedAt)] }),
      ],
    };
    expectResponse(r, 200, { data: { eraseCustomer: receipt } });

    // The same receipt is stored; the request is completed with a summary of it.
    const [{ receipt: storedReceipt }] = await gw.stores.gateway.query('SELECT receipt FROM erasure_receipts WHERE id = $1', [s.receiptId]);
    const { receiptId: _omit, ...withoutId } = receipt;
    expect(storedReceipt).toEqual(withoutId);
    const day = (d: Date) => iso(d).slice(0, 10);
    const outcome = `Erased (receipt ${s.receiptId}): 14 records deleted, 1 anonymised; kept for a legal obligation: `
      + `financial.invoice (1 in billing.invoices) under legal_compliance until ${day(plusYears(invoice2y.collectedAt, 5))}; `
      + `financial.tax_id (1 in billing.invoices) under legal_compliance until ${day(plusYears(invoice2y.collectedAt, 5))}; `
      + `financial.order (2 in billing.orders) under legal_compliance until ${day(plusYears(order30d.collectedAt, 5))}.`;
    const list = await ask(gw, 'security-audit', null, `query($id: ID) { rightsRequests(status: all, customerId: $id) { ${REQUEST} } }`, { id: c.id }, ['auditor']);
    const [req] = await gw.stores.gateway.query(`SELECT received_at, recorded_at FROM rights_requests WHERE id = $1`, [requestId]);
    const [ev] = await gw.stores.gateway.query(`SELECT recorded_at FROM rights_request_events WHERE request_id = $1`, [requestId]);
    expectResponse(list, 200, {
      data: {
        rightsRequests: [{
          id: requestId, customerId: c.id, kind: 'erasure', receivedAt: iso(req.received_at), dueAt: iso(plusDays(req.received_at, 30)), deadline: 'P30D',
          status: 'completed', overdue: false, outcome, refusalReason: null, resolvedAt: iso(ev.recorded_at), resolvedBy: 'dpo-console',
          recordedAt: iso(req.recorded_at), recordedBy: 'dpo-console', details: { channel: 'email', reference: 'ST-2026-041' },
        }],
      },
    });
  });

  test('afterwards: SUBJECT_ERASED for account management; legal compliance reads the kept tax records only, not the anonymised identity', async () => {
    const q = `query($id: ID!) { customer(id: $id) { firstName lastName dateOfBirth emails { address } addresses { line1 } accounts { username } } }`;
    const crm = await ask(gw, 'crm-service', 'account_management', q, { id: c.id });
    expectResponse(crm, 200, {
      data: { customer: { firstName: null, lastName: null, dateOfBirth: null, emails: null, addresses: null, accounts: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(q, ['customer', 'lastName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(q, ['customer', 'dateOfBirth'], 'SUBJECT_ERASED', 'identity.date_of_birth', 'erasure'),
        denied(q, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
        denied(q, ['customer', 'addresses'], 'SUBJECT_ERASED', 'contact.address', 'erasure'),
        denied(q, ['customer', 'accounts'], 'SUBJECT_ERASED', 'account.username', 'erasure'),
      ],
    });

    const ql = `query($id: ID!) { customer(id: $id) { firstName lastName nationalId addresses { line1 city } orders { id items total } invoices { invoiceNumber taxId amount } paymentCards { last4 } bankAccounts { accountNumber } } }`;
    const legal = await ask(gw, 'billing-service', 'legal_compliance', ql, { id: c.id });
    expectResponse(legal, 200, {
      data: {
        customer: {
          firstName: null, lastName: null, nationalId: null, addresses: null,
          orders: [{ id: c.orders[0].id, items: '1 x kettle', total: '1290.00' }, { id: c.orders[2].id, items: '1 x descaler', total: '99.00' }],
          invoices: [{ invoiceNumber: 'ST-INV-2001', taxId: '1101700205555', amount: '1290.00' }],
          paymentCards: null, bankAccounts: null,
        },
      },
      errors: [
        denied(ql, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'lastName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'nationalId'], 'SUBJECT_ERASED', 'identity.national_id', 'erasure'),
        denied(ql, ['customer', 'addresses'], 'SUBJECT_ERASED', 'contact.address', 'erasure'),
        denied(ql, ['customer', 'paymentCards'], 'SUBJECT_ERASED', 'financial.payment_card', 'erasure'),
        denied(ql, ['customer', 'bankAccounts'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.bank_account', 'purposes.legal_compliance.categories'),
      ],
    });

    // What the stores hold now, read directly.
    const [row] = await gw.stores.crm.query(`SELECT first_name, middle_name, last_name, alias, date_of_birth::text AS dob, gender, nationality, national_id, passport_number FROM customers WHERE id = $1`, [c.id]);
    expect(row).toEqual({ first_name: 'erased', middle_name: null, last_name: 'erased', alias: null, dob: '1900-01-01', gender: null, nationality: null, national_id: null, passport_number: null });
    for (const t of ['emails', 'phones', 'postal_addresses', 'social_accounts', 'accounts', 'login_events', 'communications', 'call_logs', 'health_declarations']) {
      expect({ t, n: (await gw.stores.crm.query(`SELECT count(*)::int AS n FROM ${t} WHERE customer_id = $1`, [c.id]))[0].n }).toEqual({ t, n: 0 });
    }
    expect((await gw.stores.billing.query(`SELECT invoice_number FROM invoices WHERE customer_id = $1 ORDER BY id`, [c.id])).map((x: { invoice_number: string }) => x.invoice_number)).toEqual(['ST-INV-2001']);
    expect((await gw.stores.billing.query(`SELECT count(*)::int AS n FROM payment_cards WHERE customer_id = $1`, [c.id]))[0].n).toBe(0);
  });

  test('a second run erases nothing more and keeps the same records; the erased request cannot be reused', async () => {
    const m = `mutation($id: ID!) { eraseCustomer(customerId: $id) { requestId categories { category table deleted anonymised kept } } }`;
    const r = await ask(gw, 'dpo-console', null, m, { id: c.id }, DPO);
    expectResponse(r, 200, {
      data: {
        eraseCustomer: {
          requestId: null,
          categories: [
            { category: 'financial.invoice', table: 'invoices', deleted: 0, anonymised: 0, kept: 1 },
            { category: 'financial.tax_id', table: 'invoices', deleted: 0, anonymised: 0, kept: 1 },
            { category: 'financial.order', table: 'orders', deleted: 0, anonymised: 0, kept: 2 },
          ],
        },
      },
    });
    const [{ id: requestId }] = await gw.stores.gateway.query(`SELECT id::text FROM rights_requests WHERE customer_id = $1`, [c.id]);
    const again = `mutation { eraseCustomer(customerId: "${c.id}", requestId: "${requestId}") { receiptId } }`;
    expectResponse(await ask(gw, 'dpo-console', null, again, undefined, DPO), 400, {
      data: null, errors: [rootError(again, 'eraseCustomer', 'BAD_USER_INPUT', 'The rights request is already completed', { requestId, status: 'completed' })],
    });
  });
});

describe('ผู้เยาว์: a minor\'s data collected without a guardian\'s consent is found and deleted', () => {
  test('only the 17-year-old who consented alone is listed; erasing deletes their data with a receipt, and keeps the tax invoice', async () => {
    const alone = await insertPerson(gw.stores, {
      id: 'st_minor_alone', firstName: 'Fah', lastName: 'Young', dateOfBirth: bornYearsAgo(17), collectedDaysAgo: 60,
      emails: [{ address: 'fah.young@example.test' }],
      orders: [{ daysAgo: 60, total: '350.00', currency: 'THB', status: 'delivered', items: '1 x headphones', invoice: { invoiceNumber: 'ST-INV-3001', billingName: 'Fah Young', billingAddress: 'Nonthaburi 11000', taxId: null, amount: '350.00' } }],
    });
    await consent(gw.stores, alone.id, 'marketing');
    const guarded = await insertPerson(gw.stores, { id: 'st_minor_guardian', firstName: 'Mek', lastName: 'Young', dateOfBirth: bornYearsAgo(17), collectedDaysAgo: 60, emails: [{ address: 'mek.young@example.test' }] });
    await consent(gw.stores, guarded.id, 'marketing', { givenBy: 'guardian' });
    const adult = await insertPerson(gw.stores, { id: 'st_adult_alone', firstName: 'Dao', lastName: 'Grown', dateOfBirth: bornYearsAgo(20), collectedDaysAgo: 60 });
    await consent(gw.stores, adult.id, 'marketing');
    await insertPerson(gw.stores, { id: 'st_minor_noconsent', firstName: 'Nok', lastName: 'Young', dateOfBirth: bornYearsAgo(16), collectedDaysAgo: 60 });

    const [given] = await gw.stores.gateway.query(`SELECT recorded_at FROM consent_events WHERE customer_id = $1`, [alone.id]);
    const lq = `{ minorsWithoutGuardianConsent { customerId purposes consentGivenAt } }`;
    expectResponse(await ask(gw, 'dpo-console', null, lq, undefined, DPO), 200, {
      data: { minorsWithoutGuardianConsent: [{ customerId: alone.id, purposes: ['marketing'], consentGivenAt: iso(given.recorded_at) }] },
    });
    // The auditor may list requests but not minors; a service neither.
    for (const [caller, roles] of [['security-audit', ['auditor']], ['marketing-service', ['service']]] as const) {
      expectResponse(await ask(gw, caller, null, lq, undefined, [...roles]), 403, {
        data: null, errors: [rootError(lq, 'minorsWithoutGuardianConsent', 'FORBIDDEN', "The caller's roles do not allow this operation")],
      });
    }

    const m = `mutation { eraseMinorsWithoutGuardianConsent { customerId requestId erasedBy categories { category table deleted anonymised kept keptRecords { recordId keptUntil purpose } } } }`;
    const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    const [invoice] = alone.invoices;
    const [order] = alone.orders;
    expectResponse(r, 200, {
      data: {
        eraseMinorsWithoutGuardianConsent: [{
          customerId: alone.id, requestId: null, erasedBy: 'dpo-console',
          categories: [
            { category: 'identity.name', table: 'customers', deleted: 0, anonymised: 1, kept: 0, keptRecords: [] },
            { category: 'identity.date_of_birth', table: 'customers', deleted: 0, anonymised: 1, kept: 0, keptRecords: [] },
            { category: 'identity.gender', table: 'customers', deleted: 0, anonymised: 1, kept: 0, keptRecords: [] },
            { category: 'identity.nationality', table: 'customers', deleted: 0, anonymised: 1, kept: 0, keptRecords: [] },
            { category: 'contact.email', table: 'emails', deleted: 1, anonymised: 0, kept: 0, keptRecords: [] },
            { category: 'financial.invoice', table: 'invoices', deleted: 0, anonymised: 0, kept: 1, keptRecords: [{ recordId: invoice.id, keptUntil: iso(plusYears(invoice.collectedAt, 5)), purpose: 'legal_compliance' }] },
            { category: 'financial.tax_id', table: 'invoices', deleted: 0, anonymised: 0, kept: 1, keptRecords: [{ recordId: invoice.id, keptUntil: iso(plusYears(invoice.collectedAt, 5)), purpose: 'legal_compliance' }] },
            { category: 'financial.order', table: 'orders', deleted: 0, anonymised: 0, kept: 1, keptRecords: [{ recordId: order.id, keptUntil: iso(plusYears(order.collectedAt, 5)), purpose: 'legal_compliance' }] },
          ],
        }],
      },
    });
    expectResponse(await ask(gw, 'dpo-console', null, lq, undefined, DPO), 200, { data: { minorsWithoutGuardianConsent: [] } });

    const q = `query($ids: [ID!]!) { customers(ids: $ids) { id firstName emails { address } } }`;
    const read = await ask(gw, 'marketing-service', 'marketing', q, { ids: [alone.id, guarded.id] });
    // The erased minor's e-mail list is denied whole (not an empty list: not even whether any is left).
    expectResponse(read, 200, {
      data: { customers: [{ id: alone.id, firstName: null, emails: null }, { id: guarded.id, firstName: 'Mek', emails: [{ address: 'mek.young@example.test' }] }] },
      errors: [
        denied(q, ['customers', 0, 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(q, ['customers', 0, 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      ],
    });
    expect(await accessLog(gw, read)).toEqual([
      { effect: 'DENY', reason: 'SUBJECT_ERASED', category: 'contact.email', field_path: 'customers.0', fields: ['emails'] },
      { effect: 'DENY', reason: 'SUBJECT_ERASED', category: 'identity.name', field_path: 'customers.0', fields: ['firstName'] },
      { effect: 'ALLOW', reason: null, category: 'contact.email', field_path: 'customers.1', fields: ['emails.0.address'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customers.1', fields: ['firstName'] },
    ]);
  });
});

describe('who may erase', () => {
  test('a service or an auditor: 403 FORBIDDEN, nothing erased; an unknown customer: 404', async () => {
    await insertPerson(gw.stores, { id: 'st_keep', firstName: 'Chai', lastName: 'Kept', dateOfBirth: bornYearsAgo(40), collectedDaysAgo: 10, emails: [{ address: 'chai.kept@example.test' }] });
    const m = `mutation { eraseCustomer(customerId: "st_keep") { receiptId } }`;
    for (const [caller, roles] of [['crm-service', ['service']], ['security-audit', ['auditor']], ['marketing-service', ['dpo']]] as const) {
      expectResponse(await ask(gw, caller, null, m, undefined, [...roles]), 403, { data: null, errors: [rootError(m, 'eraseCustomer', 'FORBIDDEN', "The caller's roles do not allow this operation")] });
    }
    expect((await gw.stores.gateway.query(`SELECT count(*)::int AS n FROM erasures WHERE customer_id = 'st_keep'`))[0].n).toBe(0);
    expect((await gw.stores.crm.query(`SELECT count(*)::int AS n FROM emails WHERE customer_id = 'st_keep'`))[0].n).toBe(1);
    const nobody = `mutation { eraseCustomer(customerId: "st_nobody") { receiptId } }`;
    expectResponse(await ask(gw, 'dpo-console', null, nobody, undefined, DPO), 404, { data: null, errors: [rootError(nobody, 'eraseCustomer', 'NOT_FOUND', 'No customer with this id', { customerId: 'st_nobody' })] });
  });
});

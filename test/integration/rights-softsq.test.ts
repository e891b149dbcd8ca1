import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startTestGateway, TestGateway } from '../support/gateway';
import { civilEnd } from '../support/civil-calendar';
import { ask, bornYearsAgo, consent, denied, expectResponse, insertPerson, iso, YEAR_DAYS } from '../fixtures/pack-scenarios';

/**
 * Soft SQ (policies/softsq.yaml), through HTTP: requests answered within one month (10.2,
 * rights.response_deadline P1M, a calendar month, not 30 days); erasure (10.1) keeping what
 * "legal obligations" keeps for 5 years (9): the invoices and their orders, not the contact data
 * (`kept_after_erasure`); and §8: data of a child under 16 collected without a parent's consent is
 * not processed and is deleted, whatever the purpose's basis (`minors.applies_to: all`).
 */
let gw: TestGateway;
const DPO = ['dpo'];
const PACK = parseYaml(fs.readFileSync(path.resolve(__dirname, '../../policies/softsq.yaml'), 'utf8')) as { purposes: { key: string; cite: string }[] };
const LEGAL_CITE = PACK.purposes.find((p) => p.key === 'legal_obligations')!.cite;

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'softsq.yaml' });
});
afterAll(() => gw.close());

/** A period end in the civil calendar (29 February + 1 year is the end of 28 February), as src/policy/duration.ts. */
const plusYears = (d: Date, n: number) => civilEnd(d, { years: n, months: 0, days: 0 });

describe('10.2: requests are answered within one month', () => {
  test('due one calendar month after receipt (15 January -> 15 February, not 14); overdue while open; a later one is not', async () => {
    await insertPerson(gw.stores, { id: 'sq_asks', firstName: 'Ladda', lastName: 'Asks', dateOfBirth: bornYearsAgo(40), collectedDaysAgo: 300 });
    const m = `mutation($at: DateTimeISO) { recordRightsRequest(customerId: "sq_asks", kind: portability, receivedAt: $at) { kind receivedAt dueAt deadline status overdue } }`;
    expectResponse(await ask(gw, 'dpo-console', null, m, { at: '2026-01-15T09:30:00.000Z' }, DPO), 200, {
      data: { recordRightsRequest: { kind: 'portability', receivedAt: '2026-01-15T09:30:00.000Z', dueAt: '2026-02-15T09:30:00.000Z', deadline: 'P1M', status: 'open', overdue: true } },
    });
    const r = await ask(gw, 'dpo-console', null, m, {}, DPO);
    const [row] = await gw.stores.gateway.query(`SELECT received_at FROM rights_requests WHERE customer_id = 'sq_asks' ORDER BY id DESC LIMIT 1`);
    const rec = row.received_at as Date;
    // One calendar month, whatever today is: received on 31 October, due at the end of 30 November.
    const due = civilEnd(rec, { years: 0, months: 1, days: 0 });
    expectResponse(r, 200, { data: { recordRightsRequest: { kind: 'portability', receivedAt: iso(rec), dueAt: iso(due), deadline: 'P1M', status: 'open', overdue: false } } });
    expectResponse(await ask(gw, 'security-audit', null, `{ rightsRequests(status: overdue) { customerId dueAt } }`, undefined, ['auditor']), 200, {
      data: { rightsRequests: [{ customerId: 'sq_asks', dueAt: '2026-02-15T09:30:00.000Z' }] },
    });
  });
});

describe('10.1 erasure; 9: what legal obligations keep stays 5 years', () => {
  test('health declarations, calls, tickets, contact data, bank details, cards and logins go; invoices and their orders stay for legal_obligations', async () => {
    const c = await insertPerson(gw.stores, {
      id: 'sq_gone', firstName: 'Anan', lastName: 'Gone', dateOfBirth: bornYearsAgo(44), collectedDaysAgo: 3 * YEAR_DAYS,
      emails: [{ address: 'anan.gone@example.test', daysAgo: 100 }], phones: [{ number: '+66822220002' }],
      addresses: [{ line1: '1 Silom Road', city: 'Bangkok', postcode: '10500', country: 'TH' }],
      accounts: [{ username: 'anan_sq', logins: [{ daysAgo: 3, ipAddress: '203.0.113.31', userAgent: 'Mozilla/5.0 (anan)' }] }],
      communications: [{ channel: 'chat', subject: 'Licence', body: 'How many seats do we have?', daysAgo: 20 }],
      callLogs: [{ phoneNumber: '+66822220002', direction: 'outbound', durationSeconds: 60, daysAgo: 20 }],
      healthDeclarations: [{ daysAgo: 10, temperatureC: 36.9, symptoms: ['cough'], exposure: false, vaccinationStatus: 'vaccinated' }],
      bankAccounts: [{ bankName: 'Bangkok Bank', accountHolder: 'Anan Gone', accountNumber: '1112220002' }],
      paymentCards: [{ token: 'tok_anan', last4: '1881', brand: 'mastercard', expiryMonth: 6, expiryYear: 2028 }],
      orders: [{ daysAgo: 4 * YEAR_DAYS, total: '45000.00', currency: 'THB', status: 'paid', items: 'SQL tools, 3 seats', invoice: { invoiceNumber: 'SQ-2022-17', billingName: 'Anan Gone', billingAddress: 'Bangkok 10500', taxId: '3101200000017', amount: '45000.00' } }],
    });
    const m = `mutation { eraseCustomer(customerId: "${c.id}") { customerId pack categories { category table deleted anonymised kept keptRecords { recordId keptUntil purpose lawfulBasis retention cite } } } }`;
    const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    const kept = (id: string, at: Date) => ({ recordId: id, keptUntil: iso(plusYears(at, 5)), purpose: 'legal_obligations', lawfulBasis: 'legal_obligation', retention: 'P5Y', cite: LEGAL_CITE });
    const row = (category: string, table: string, deleted: number, anonymised: number, keptRecords: unknown[]) => ({ category, table, deleted, anonymised, kept: keptRecords.length, keptRecords });
    expectResponse(r, 200, {
      data: {
        eraseCustomer: {
          customerId: c.id, pack: 'softsq',
          categories: [
            row('identity.name', 'customers', 0, 1, []),
            row('identity.date_of_birth', 'customers', 0, 1, []),
            row('identity.gender', 'customers', 0, 1, []),
            row('identity.nationality', 'customers', 0, 1, []),
            // legal_obligations covers e-mail, address, card and bank account, but keeps only the tax records (kept_after_erasure).
            row('contact.email', 'emails', 1, 0, []),
            row('contact.phone', 'phones', 1, 0, []),
            row('contact.address', 'postal_addresses', 1, 0, []),
            row('technical.ip_address', 'login_events', 1, 0, []),
            row('technical.user_agent', 'login_events', 1, 0, []),
            row('technical.activity_time', 'login_events', 1, 0, []),
            row('account.username', 'accounts', 1, 0, []),
            row('communication.support_ticket', 'communications', 1, 0, []),
            row('communication.chat', 'communications', 1, 0, []),
            row('communication.call_log', 'call_logs', 1, 0, []),
            row('health.declaration', 'health_declarations', 1, 0, []),
            row('financial.bank_account', 'bank_accounts', 1, 0, []),
            row('financial.payment_card', 'payment_cards', 1, 0, []),
            row('financial.invoice', 'invoices', 0, 0, [kept(c.invoices[0].id, c.invoices[0].collectedAt)]),
            row('financial.tax_id', 'invoices', 0, 0, [kept(c.invoices[0].id, c.invoices[0].collectedAt)]),
            row('financial.order', 'orders', 0, 0, [kept(c.orders[0].id, c.orders[0].collectedAt)]),
          ],
        },
      },
    });

    const qs = `query($id: ID!) { customer(id: $id) { firstName emails { address } communications { subject } } }`;
    expectResponse(await ask(gw, 'support-service', 'contact_support', qs, { id: c.id }), 200, {
      data: { customer: { firstName: null, emails: null, communications: null } },
      errors: [
        denied(qs, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qs, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
        denied(qs, ['customer', 'communications'], 'SUBJECT_ERASED', 'communication.support_ticket', 'erasure'),
      ],
    });
    const ql = `query($id: ID!) { customer(id: $id) { firstName bankAccounts { accountNumber } invoices { invoiceNumber taxId } } }`;
    expectResponse(await ask(gw, 'billing-service', 'legal_obligations', ql, { id: c.id }), 200, {
      data: { customer: { firstName: null, bankAccounts: null, invoices: [{ invoiceNumber: 'SQ-2022-17', taxId: '3101200000017' }] } },
      errors: [
        denied(ql, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'bankAccounts'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure'),
      ],
    });
  });
});

describe('8: a child under 16 without a parent\'s consent', () => {
  /** minors.applies_to: all: the purposes on other bases than consent and legal obligation, in pack order. */
  const NOT_CONSENT = [
    'provide_services', 'security', 'user_registration', 'contact_support', 'events', 'contests_promotions', 'payments', 'contract_fulfilment',
    'service_development', 'ux_evaluation', 'terms_compliance', 'capacity_planning', 'prospect_identification', 'visitor_registration', 'call_recording',
  ];

  test('a 14-year-old registered with no consent on record is not processed, is listed and deleted; so is the 15-year-old who consented alone; a child with a parent\'s consent and the 17-year-old are not', async () => {
    const child = await insertPerson(gw.stores, { id: 'sq_child', firstName: 'Ice', lastName: 'Child', dateOfBirth: bornYearsAgo(15), collectedDaysAgo: 20, emails: [{ address: 'ice.child@example.test' }], phones: [{ number: '+66822229999' }] });
    await consent(gw.stores, child.id, 'marketing_communications');
    await consent(gw.stores, child.id, 'surveys_research');
    const young = await insertPerson(gw.stores, {
      id: 'sq_young', firstName: 'Pim', lastName: 'Young', dateOfBirth: bornYearsAgo(14), collectedDaysAgo: 30,
      emails: [{ address: 'pim.young@example.test' }], accounts: [{ username: 'pim_sq', logins: [{ daysAgo: 2, ipAddress: '203.0.113.14', userAgent: 'Mozilla/5.0 (pim)' }] }],
    });
    const parented = await insertPerson(gw.stores, { id: 'sq_parented', firstName: 'Nok', lastName: 'Parented', dateOfBirth: bornYearsAgo(13), collectedDaysAgo: 30, emails: [{ address: 'nok.parented@example.test' }] });
    await consent(gw.stores, parented.id, 'surveys_research', { givenBy: 'guardian' });
    const teen = await insertPerson(gw.stores, { id: 'sq_teen', firstName: 'Bow', lastName: 'Teen', dateOfBirth: bornYearsAgo(17), collectedDaysAgo: 20, emails: [{ address: 'bow.teen@example.test' }] });
    await consent(gw.stores, teen.id, 'marketing_communications');
    const [first] = await gw.stores.gateway.query(`SELECT min(recorded_at) AS at FROM consent_events WHERE customer_id = $1`, [child.id]);

    // A contract purpose: no consent is asked of adults, but a child's data needs a parent's consent.
    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    expectResponse(await ask(gw, 'crm-service', 'user_registration', q, { id: young.id }), 200, {
      data: { customer: { firstName: null, emails: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'GUARDIAN_CONSENT_REQUIRED', 'identity.name', 'minors.applies_to'),
        denied(q, ['customer', 'emails'], 'GUARDIAN_CONSENT_REQUIRED', 'contact.email', 'minors.applies_to'),
      ],
    });
    const ql = `query($id: ID!) { customer(id: $id) { accounts { loginEvents { ipAddress } } } }`;
    expectResponse(await ask(gw, 'security-service', 'security', ql, { id: young.id }), 200, {
      data: { customer: { accounts: null } },
      errors: [denied(ql, ['customer', 'accounts'], 'GUARDIAN_CONSENT_REQUIRED', 'account.username', 'minors.applies_to')],
    });
    expectResponse(await ask(gw, 'crm-service', 'user_registration', q, { id: parented.id }), 200, {
      data: { customer: { firstName: 'Nok', emails: [{ address: 'nok.parented@example.test' }] } },
    });

    const lq = `{ minorsWithoutGuardianConsent { customerId purposes consentGivenAt } }`;
    expectResponse(await ask(gw, 'dpo-console', null, lq, undefined, DPO), 200, {
      data: {
        minorsWithoutGuardianConsent: [
          { customerId: child.id, purposes: [...NOT_CONSENT, 'surveys_research', 'marketing_communications'], consentGivenAt: iso(first.at) },
          { customerId: young.id, purposes: NOT_CONSENT, consentGivenAt: null },
        ],
      },
    });
    const m = `mutation { eraseMinorsWithoutGuardianConsent(limit: 10) { customerId categories { category table deleted anonymised kept } } }`;
    const identity = [
      { category: 'identity.name', table: 'customers', deleted: 0, anonymised: 1, kept: 0 },
      { category: 'identity.date_of_birth', table: 'customers', deleted: 0, anonymised: 1, kept: 0 },
      { category: 'identity.gender', table: 'customers', deleted: 0, anonymised: 1, kept: 0 },
      { category: 'identity.nationality', table: 'customers', deleted: 0, anonymised: 1, kept: 0 },
    ];
    expectResponse(await ask(gw, 'dpo-console', null, m, undefined, DPO), 200, {
      data: {
        eraseMinorsWithoutGuardianConsent: [
          {
            customerId: child.id,
            categories: [
              ...identity,
              // legal_obligations covers contact.email but keeps only tax records after an erasure: the e-mail goes.
              { category: 'contact.email', table: 'emails', deleted: 1, anonymised: 0, kept: 0 },
              { category: 'contact.phone', table: 'phones', deleted: 1, anonymised: 0, kept: 0 },
            ],
          },
          {
            customerId: young.id,
            categories: [
              ...identity,
              { category: 'contact.email', table: 'emails', deleted: 1, anonymised: 0, kept: 0 },
              { category: 'technical.ip_address', table: 'login_events', deleted: 1, anonymised: 0, kept: 0 },
              { category: 'technical.user_agent', table: 'login_events', deleted: 1, anonymised: 0, kept: 0 },
              { category: 'technical.activity_time', table: 'login_events', deleted: 1, anonymised: 0, kept: 0 },
              { category: 'account.username', table: 'accounts', deleted: 1, anonymised: 0, kept: 0 },
            ],
          },
        ],
      },
    });
    expectResponse(await ask(gw, 'dpo-console', null, lq, undefined, DPO), 200, { data: { minorsWithoutGuardianConsent: [] } });
    const qt = `query($id: ID!) { customer(id: $id) { firstName } }`;
    expectResponse(await ask(gw, 'marketing-service', 'marketing_communications', qt, { id: teen.id }), 200, { data: { customer: { firstName: 'Bow' } } });
    expectResponse(await ask(gw, 'crm-service', 'user_registration', qt, { id: parented.id }), 200, { data: { customer: { firstName: 'Nok' } } });
  });
});

import { env, useSmartTechGateway, DPO } from '../../support/smarttech-gateway';
import {
  accessLog, ask, bornYearsAgo, consent, denied, erase, EVENT_FIELDS, eventView, expectResponse, insertPerson,
  object, rectificationPending, storedEvents, YEAR_DAYS,
} from '../../fixtures/pack-scenarios';

/**
 * SmartTech Enterprise (policies/smarttech.yaml, seed 001), the rights that stop or limit
 * processing: objection (สิทธิคัดค้าน), erasure and retention (สิทธิขอลบ / ระยะเวลาจัดเก็บ),
 * restriction and rectification (สิทธิขอให้ระงับ / แก้ไข). Scenarios from the policy's own text,
 * through HTTP, whole responses asserted. Cites are the pack's (Thai headings). Withdrawal of
 * consent: smarttech-consent.test.ts.
 */
useSmartTechGateway();

describe('สิทธิคัดค้าน (objection)', () => {
  test('absolute for marketing despite a consent, honoured for product improvement (legitimate interest), no effect on delivery (contract)', async () => {
    const c = await insertPerson(env.gw.stores, {
      id: 'st_objector', firstName: 'Kanya', lastName: 'Objector', dateOfBirth: bornYearsAgo(29), collectedDaysAgo: 60,
      emails: [{ address: 'kanya.objector@example.test' }],
      orders: [{ daysAgo: 60, total: '450.00', currency: 'THB', status: 'delivered', items: '2 x mug' }],
    });
    await consent(env.gw.stores, c.id, 'marketing');
    // The customer objects to marketing through marketing-service's preference centre.
    const m = `mutation { recordObjection(customerId: "${c.id}", purpose: "marketing", reason: "no more offers") { ${EVENT_FIELDS} } }`;
    const rec = await ask(env.gw, 'marketing-service', null, m);
    const [marketingObjection] = await storedEvents(env.gw, 'objection_events', c.id);
    expectResponse(rec, 200, {
      data: { recordObjection: eventView(marketingObjection, { kind: 'objection', customerId: c.id, action: 'object', purpose: 'marketing', reason: 'no more offers', recordedBy: 'marketing-service' }) },
    });
    await object(env.gw.stores, c.id, 'product_improvement');
    await object(env.gw.stores, c.id, 'order_delivery');

    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } orders { total } } }`;
    const marketing = await ask(env.gw, 'marketing-service', 'marketing', q, { id: c.id });
    const dm = 'purposes.marketing.direct_marketing';
    expectResponse(marketing, 200, {
      data: { customer: { firstName: null, emails: null, orders: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'OBJECTED', 'identity.name', dm),
        denied(q, ['customer', 'emails'], 'OBJECTED', 'contact.email', dm),
        denied(q, ['customer', 'orders'], 'OBJECTED', 'financial.order', dm),
      ],
    });

    const qi = `query($id: ID!) { customer(id: $id) { orders { total } } }`;
    const improvement = await ask(env.gw, 'crm-service', 'product_improvement', qi, { id: c.id });
    expectResponse(improvement, 200, {
      data: { customer: { orders: null } },
      errors: [denied(qi, ['customer', 'orders'], 'OBJECTED', 'financial.order', 'purposes.product_improvement.lawful_basis')],
    });

    const delivery = await ask(env.gw, 'crm-service', 'order_delivery', q, { id: c.id });
    expectResponse(delivery, 200, {
      data: { customer: { firstName: 'Kanya', emails: [{ address: 'kanya.objector@example.test' }], orders: [{ total: '450.00' }] } },
    });
  });
});

describe('สิทธิขอลบ / ระยะเวลาจัดเก็บ (erasure, retention)', () => {
  test('after an erasure only legal compliance sees the data, only what it keeps (invoices, orders), and only records younger than its 5 years', async () => {
    const c = await insertPerson(env.gw.stores, {
      id: 'st_erased', firstName: 'Niran', lastName: 'Erased', dateOfBirth: bornYearsAgo(45), nationalId: '3100600123457', collectedDaysAgo: 4 * YEAR_DAYS,
      emails: [{ address: 'niran.erased@example.test' }],
      bankAccounts: [{ bankName: 'SCB', accountHolder: 'Niran Erased', accountNumber: '4071234567', daysAgo: 30 }],
      orders: [
        { daysAgo: 6 * YEAR_DAYS, total: '990.00', currency: 'THB', status: 'delivered', items: '1 x fan', invoice: { invoiceNumber: 'ST-2019-0001', billingName: 'Niran Erased', billingAddress: 'Bangkok 10160', taxId: '3100600123457', amount: '990.00' } },
        { daysAgo: 4 * YEAR_DAYS, total: '2500.00', currency: 'THB', status: 'delivered', items: '1 x rice cooker', invoice: { invoiceNumber: 'ST-2021-0042', billingName: 'Niran Erased', billingAddress: 'Bangkok 10160', taxId: '3100600123457', amount: '2500.00' } },
      ],
    });
    await erase(env.gw.stores, c.id);

    const qa = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    const account = await ask(env.gw, 'crm-service', 'account_management', qa, { id: c.id });
    expectResponse(account, 200, {
      data: { customer: { firstName: null, emails: null } },
      errors: [
        denied(qa, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(qa, ['customer', 'emails'], 'SUBJECT_ERASED', 'contact.email', 'erasure'),
      ],
    });

    const qp = `query($id: ID!) { customer(id: $id) { bankAccounts { accountNumber } } }`;
    const payment = await ask(env.gw, 'billing-service', 'payment', qp, { id: c.id });
    expectResponse(payment, 200, {
      data: { customer: { bankAccounts: null } },
      errors: [denied(qp, ['customer', 'bankAccounts'], 'SUBJECT_ERASED', 'financial.bank_account', 'erasure')],
    });

    const ql = `query($id: ID!) {
  customer(id: $id) {
    firstName
    nationalId
    orders { id total }
    invoices { id invoiceNumber taxId amount }
    emails { address }
  }
}`;
    const legal = await ask(env.gw, 'billing-service', 'legal_compliance', ql, { id: c.id });
    const [oldOrder, order] = c.orders;
    const [oldInvoice, invoice] = c.invoices;
    expectResponse(legal, 200, {
      data: {
        customer: {
          firstName: null, nationalId: null,
          orders: [{ id: order.id, total: '2500.00' }],
          invoices: [{ id: invoice.id, invoiceNumber: 'ST-2021-0042', taxId: '3100600123457', amount: '2500.00' }],
          emails: null,
        },
      },
      errors: [
        // The customer record is not a tax record: legal_compliance's kept_after_erasure names the invoice, its tax ID and the order.
        denied(ql, ['customer', 'firstName'], 'SUBJECT_ERASED', 'identity.name', 'erasure'),
        denied(ql, ['customer', 'nationalId'], 'SUBJECT_ERASED', 'identity.national_id', 'erasure'),
        denied(ql, ['customer', 'emails'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.email', 'purposes.legal_compliance.categories'),
      ],
    });
    const log = await accessLog(env.gw, legal, 'effect, reason, category, field_path, fields, rule');
    expect(log.filter((e) => e.reason === 'RETENTION_EXPIRED')).toEqual([
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.invoice', field_path: 'customer', fields: [`invoices[id=${oldInvoice.id}]`], rule: 'purposes.legal_compliance.retention' },
      { effect: 'DENY', reason: 'RETENTION_EXPIRED', category: 'financial.order', field_path: 'customer', fields: [`orders[id=${oldOrder.id}]`], rule: 'purposes.legal_compliance.retention' },
    ]);
  });

  test('account data past its 5 years is expired for account management; the DPO still answers an access request (10 years)', async () => {
    const c = await insertPerson(env.gw.stores, {
      id: 'st_lapsed', firstName: 'Anong', lastName: 'Lapsed', dateOfBirth: bornYearsAgo(50), collectedDaysAgo: 6 * YEAR_DAYS,
      emails: [{ address: 'anong.lapsed@example.test' }],
    });
    const q = `query($id: ID!) { customer(id: $id) { firstName emails { address } } }`;
    const account = await ask(env.gw, 'crm-service', 'account_management', q, { id: c.id });
    expectResponse(account, 200, {
      data: { customer: { firstName: null, emails: [] } },
      errors: [denied(q, ['customer', 'firstName'], 'RETENTION_EXPIRED', 'identity.name', 'purposes.account_management.retention')],
    });
    const dpo = await ask(env.gw, 'dpo-console', 'data_subject_request', q, { id: c.id }, DPO);
    expectResponse(dpo, 200, { data: { customer: { firstName: 'Anong', emails: [{ address: 'anong.lapsed@example.test' }] } } });
  });
});

describe('สิทธิขอให้ระงับ / แก้ไข (restriction, rectification)', () => {
  test('a DPO restriction stops after-sales but not legal compliance; lifted, after-sales resumes except the phone under correction', async () => {
    const c = await insertPerson(env.gw.stores, {
      id: 'st_restricted', firstName: 'Wichai', lastName: 'Restricted', dateOfBirth: bornYearsAgo(33), nationalId: '1409900111222', collectedDaysAgo: 100,
      phones: [{ number: '+66833330003' }],
      orders: [{ daysAgo: 100, total: '3200.00', currency: 'THB', status: 'returned', items: '1 x blender' }],
    });
    await rectificationPending(env.gw.stores, c.id, 'contact.phone');
    // `purpose: null` spelled out; an omitted purpose means the same (customer-state-operations.test.ts).
    const restrictM = `mutation { restrictProcessing(customerId: "${c.id}", purpose: null, reason: "accuracy contested") { ${EVENT_FIELDS} } }`;
    const restricted = await ask(env.gw, 'dpo-console', null, restrictM, undefined, DPO);
    const [restriction] = await storedEvents(env.gw, 'restriction_events', c.id);
    expectResponse(restricted, 200, {
      data: { restrictProcessing: eventView(restriction, { kind: 'restriction', customerId: c.id, action: 'restrict', reason: 'accuracy contested', recordedBy: 'dpo-console' }) },
    });

    const q = `query($id: ID!) { customer(id: $id) { firstName phones { number } orders { status } } }`;
    const during = await ask(env.gw, 'support-service', 'after_sales', q, { id: c.id });
    expectResponse(during, 200, {
      data: { customer: { firstName: null, phones: null, orders: null } },
      errors: [
        denied(q, ['customer', 'firstName'], 'RESTRICTED', 'identity.name', 'restriction.customer'),
        denied(q, ['customer', 'phones'], 'RESTRICTED', 'contact.phone', 'restriction.customer'),
        denied(q, ['customer', 'orders'], 'RESTRICTED', 'financial.order', 'restriction.customer'),
      ],
    });

    const ql = `query($id: ID!) { customer(id: $id) { firstName nationalId } }`;
    const legal = await ask(env.gw, 'billing-service', 'legal_compliance', ql, { id: c.id });
    expectResponse(legal, 200, { data: { customer: { firstName: 'Wichai', nationalId: '1409900111222' } } });

    const liftM = `mutation { liftRestriction(customerId: "${c.id}", purpose: null) { ${EVENT_FIELDS} } }`;
    const lifted = await ask(env.gw, 'dpo-console', null, liftM, undefined, DPO);
    const [, lift] = await storedEvents(env.gw, 'restriction_events', c.id);
    expectResponse(lifted, 200, {
      data: { liftRestriction: eventView(lift, { kind: 'restriction', customerId: c.id, action: 'lift', recordedBy: 'dpo-console' }) },
    });

    const after = await ask(env.gw, 'support-service', 'after_sales', q, { id: c.id });
    expectResponse(after, 200, {
      data: { customer: { firstName: 'Wichai', phones: null, orders: [{ status: 'returned' }] } },
      errors: [denied(q, ['customer', 'phones'], 'RECTIFICATION_PENDING', 'contact.phone', 'rectification.contact.phone')],
    });
    expect(await accessLog(env.gw, after)).toEqual([
      { effect: 'DENY', reason: 'RECTIFICATION_PENDING', category: 'contact.phone', field_path: 'customer', fields: ['phones'] },
      { effect: 'ALLOW', reason: null, category: 'financial.order', field_path: 'customer', fields: ['orders.0.status'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);
  });
});

import { env, useSmartTechGateway } from '../../support/smarttech-gateway';
import { accessLog, ask, bornYearsAgo, denied, expectResponse, insertPerson } from '../../fixtures/pack-scenarios';

/**
 * SmartTech Enterprise (policies/smarttech.yaml, seed 001), what the purposes not based on consent
 * see of one customer: payment, internal administration and feedback (การประมวลผลข้อมูลส่วนบุคคล),
 * their categories and masking. Scenarios from the policy's own text, through HTTP, whole responses
 * asserted. Cites are the pack's (Thai headings).
 */
useSmartTechGateway();

describe('การประมวลผลข้อมูลส่วนบุคคล: payment, internal administration, feedback', () => {
  const spec = {
    id: 'st_buyer', firstName: 'Somchai', lastName: 'Buyer', dateOfBirth: bornYearsAgo(36), nationalId: '1101700203451', collectedDaysAgo: 30,
    emails: [{ address: 'somchai.buyer@example.test' }], phones: [{ number: '+66811110001' }],
    bankAccounts: [{ bankName: 'Kasikornbank', accountHolder: 'Somchai Buyer', accountNumber: '0123456789' }],
    paymentCards: [{ token: 'tok_visa_9f3a', last4: '4242', brand: 'VISA', expiryMonth: 9, expiryYear: 2030 }],
    orders: [{ daysAgo: 30, total: '1290.00', currency: 'THB', status: 'delivered', items: '1 x kettle' }],
    healthDeclarations: [{ daysAgo: 5, temperatureC: 36.6, symptoms: [], exposure: false, vaccinationStatus: 'vaccinated' }],
  };
  let c: Awaited<ReturnType<typeof insertPerson>>;
  beforeAll(async () => {
    c = await insertPerson(env.gw.stores, spec);
  });

  test('payment sees the bank account as its last four digits, the card and orders in full, and never health data or the phone', async () => {
    const q = `query($id: ID!) {
  customer(id: $id) {
    firstName
    bankAccounts { bankName accountNumber }
    paymentCards { brand last4 }
    orders { total status }
    healthDeclarations { temperatureC }
    phones { number }
  }
}`;
    const r = await ask(env.gw, 'billing-service', 'payment', q, { id: c.id });
    const rule = 'purposes.payment.categories';
    expectResponse(r, 200, {
      data: {
        customer: {
          firstName: 'Somchai',
          bankAccounts: [{ bankName: '********bank', accountNumber: '******6789' }],
          paymentCards: [{ brand: 'VISA', last4: '4242' }],
          orders: [{ total: '1290.00', status: 'delivered' }],
          healthDeclarations: null,
          phones: null,
        },
      },
      errors: [
        denied(q, ['customer', 'healthDeclarations'], 'CATEGORY_NOT_IN_PURPOSE', 'health.declaration', rule),
        denied(q, ['customer', 'phones'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.phone', rule),
      ],
    });
    expect(await accessLog(env.gw, r)).toEqual([
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'contact.phone', field_path: 'customer', fields: ['phones'] },
      { effect: 'MASK', reason: null, category: 'financial.bank_account', field_path: 'customer', fields: ['bankAccounts.0.accountNumber', 'bankAccounts.0.bankName'] },
      { effect: 'ALLOW', reason: null, category: 'financial.order', field_path: 'customer', fields: ['orders.0.status', 'orders.0.total'] },
      { effect: 'ALLOW', reason: null, category: 'financial.payment_card', field_path: 'customer', fields: ['paymentCards.0.brand', 'paymentCards.0.last4'] },
      { effect: 'DENY', reason: 'CATEGORY_NOT_IN_PURPOSE', category: 'health.declaration', field_path: 'customer', fields: ['healthDeclarations'] },
      { effect: 'ALLOW', reason: null, category: 'identity.name', field_path: 'customer', fields: ['firstName'] },
    ]);
  });

  test('internal administration sees e-mail addresses masked ("only as needed"); feedback sees the phone as its last four digits', async () => {
    const qa = `query($id: ID!) { customer(id: $id) { firstName emails { address } phones { number } } }`;
    const admin = await ask(env.gw, 'crm-service', 'internal_administration', qa, { id: c.id });
    expectResponse(admin, 200, {
      data: { customer: { firstName: 'Somchai', emails: [{ address: 's***@example.test' }], phones: null } },
      errors: [denied(qa, ['customer', 'phones'], 'CATEGORY_NOT_IN_PURPOSE', 'contact.phone', 'purposes.internal_administration.categories')],
    });

    const qf = `query($id: ID!) { customer(id: $id) { firstName phones { number } bankAccounts { accountNumber } } }`;
    const feedback = await ask(env.gw, 'support-service', 'feedback', qf, { id: c.id });
    expectResponse(feedback, 200, {
      data: { customer: { firstName: 'Somchai', phones: [{ number: '********0001' }], bankAccounts: null } },
      errors: [denied(qf, ['customer', 'bankAccounts'], 'CATEGORY_NOT_IN_PURPOSE', 'financial.bank_account', 'purposes.feedback.categories')],
    });
  });
});

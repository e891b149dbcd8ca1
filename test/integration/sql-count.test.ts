import { startTestGateway, TestGateway } from '../support/gateway';
import { loadSubjects } from '../../src/stores/demo/loader';
import { customerId } from '../../src/stores/demo/generator';

/**
 * Batching: `customers` over 100 ids with every nested field costs the same number of SQL
 * statements as over 2 ids (DataLoader per request; state read in one statement).
 */
let gw: TestGateway;
const SEED = 7;

export const EVERY_FIELD = `
  id source collectedAt firstName middleName lastName alias dateOfBirth gender nationality nationalId passportNumber
  emails { id address primary source collectedAt } phones { id number kind } addresses { id line1 line2 city postcode country }
  socialAccounts { id platform handle } accounts { id username loginEvents { id ipAddress userAgent occurredAt } }
  communications { id channel subject body occurredAt } callLogs { id phoneNumber direction startedAt durationSeconds }
  healthDeclarations { id visitedAt temperatureC symptoms exposure vaccinationStatus testResult recentTravel }
  bankAccounts { id bankName accountHolder accountNumber } paymentCards { id token last4 brand expiry }
  orders { id orderedAt total currency status items } invoices { id invoiceNumber issuedAt billingName billingAddress taxId amount }`;

beforeAll(async () => {
  gw = await startTestGateway();
  await loadSubjects(gw.stores, { subjects: 100, seed: SEED, now: new Date(), consentPurposes: ['marketing'] });
});
afterAll(() => gw.close());

async function statementsFor(n: number, caller: string, purpose: string): Promise<{ statements: number; customers: number }> {
  const ids = Array.from({ length: n }, (_, i) => customerId(i, SEED));
  const r = await gw.gql({ token: await gw.token(caller, caller === 'dpo-console' ? ['dpo'] : ['service']), purpose, query: `query($ids: [ID!]!) { customers(ids: $ids) { ${EVERY_FIELD} } }`, variables: { ids } });
  expect(r.status).toBe(200);
  return { statements: Number(r.headers['x-sql-statements']), customers: r.body.data.customers.filter(Boolean).length };
}

test.each([
  ['dpo-console', 'data_subject_request'],
  ['crm-service', 'account_management'],
  ['marketing-service', 'marketing'],
])('same statement count for 2 and 100 customers (%s, %s)', async (caller, purpose) => {
  const two = await statementsFor(2, caller, purpose);
  const hundred = await statementsFor(100, caller, purpose);
  expect(two.customers).toBe(2);
  expect(hundred.customers).toBe(100);
  expect(hundred.statements).toBe(two.statements);
  // customers + state + 13 child loaders, and no more (the access-log batch is shared, not counted).
  expect(hundred.statements).toBeLessThanOrEqual(15);
});

import { startTestGateway, TestGateway } from '../support/gateway';
import { ADULT, insertCustomers } from '../fixtures/customers';
import { setLogLevel } from '../../src/log';

/** A personal-data value never appears in a log line: reads, denials and failures alike. */
let gw: TestGateway;
const lines: string[] = [];
const realWrite = process.stderr.write.bind(process.stderr);

beforeAll(async () => {
  gw = await startTestGateway();
  await insertCustomers(gw.stores, [ADULT]);
  setLogLevel('debug');
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
});
afterAll(async () => {
  process.stderr.write = realWrite;
  setLogLevel('silent');
  await gw.close();
});

test('no fixture value reaches the logs', async () => {
  const q = `{ customer(id: "${ADULT.id}") { firstName lastName nationalId emails { address } phones { number } bankAccounts { accountNumber } } }`;
  const token = await gw.token('crm-service');
  expect((await gw.gql({ token, purpose: 'account_management', query: q })).status).toBe(200);
  expect((await gw.gql({ token, purpose: 'payment', query: q })).status).toBe(403);
  // A failing access-log write logs an error line: still no values.
  await gw.stores.gateway.query('ALTER TABLE access_log_batches RENAME TO access_log_batches_hidden');
  try {
    expect((await gw.gql({ token, purpose: 'account_management', query: q })).status).toBe(503);
  } finally {
    await gw.stores.gateway.query('ALTER TABLE access_log_batches_hidden RENAME TO access_log_batches');
  }
  const text = lines.join('');
  expect(text).toContain('"msg":"request"');
  expect(text).toContain('"msg":"access-log batch failed"');
  for (const value of [ADULT.firstName, ADULT.lastName, ADULT.nationalId!, ADULT.email, ADULT.phone, '0123456789']) {
    expect({ value, found: text.includes(value) }).toEqual({ value, found: false });
  }
});

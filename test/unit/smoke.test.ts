import { Client } from 'pg';
import { createTestDatabases } from '../support/test-stores';
test('smoke', async () => {
  const urls = await createTestDatabases();
  const c = new Client({ connectionString: urls.crm }); await c.connect();
  const r = await c.query('select count(*)::int as n from customers'); await c.end();
  expect(r.rows).toEqual([{ n: 0 }]);
});

import { batchHash, batchHeader, GENESIS_HASH, linkedHash, LogRow } from '../../src/audit/chain';
import { batchContent, contentDigest, RequestRows } from '../../src/audit/batch-content';
import { format1Hash, format2Digest, format2Hash, readGolden, StoredRow } from '../support/golden-batches';

/**
 * The committed golden batches (test/fixtures/golden-batches/), one file per hash format, hash the
 * same today as when they were written: with the tests' own implementation of each format
 * (test/support/golden-batches.ts) and with the gateway's (src/audit/chain.ts,
 * batch-content.ts). A change to either that would re-hash a stored batch differently fails here,
 * before any database is involved (test/integration/audit-golden.test.ts checks the same batches
 * through `verify` and access_log_link).
 *
 * The hashes are also written here, so that the fixture itself cannot be regenerated unnoticed.
 */
const COMMITTED = {
  format1: ['1203c1e05a55f926f9a7c0cef103bb94338b14b6d1e996f4ad644e8c69c673e4', '1a1b05274656704ae1269698048280a0b4daffb47f3dd664757c5c728bda2dc1'],
  format2: ['7fc617ed34fe1b10bedb4f43216d1b1cf05941d673abe35e4d178a9922a93369'],
};
const f1 = readGolden(1);
const f2 = readGolden(2);

/** A stored row as verify-chain.ts hands it to chain.ts (its toLogRow, written out here). */
const logRow = (r: StoredRow): LogRow => ({
  at: new Date(r.at), requestId: r.request_id, caller: r.caller, roles: r.roles, purpose: r.purpose, justification: r.justification,
  clientAddress: r.client_address, policyHash: r.policy_hash, customerId: r.customer_id, typeName: r.type_name, fieldPath: r.field_path,
  fields: r.fields, category: r.category, effect: r.effect, reason: r.reason, rule: r.rule,
  categories: r.categories, categoryTypes: r.category_types, categoryFieldEnds: r.category_field_ends,
});

test('the golden files are one chain from genesis: format 1 (one-category rows, then decision rows), then format 2', () => {
  const all = [...f1.batches, ...f2.batches].map((b) => b.batch);
  expect(all.map((b) => ({ id: b.id, seq: b.chain_seq, format: b.hash_format, prev: b.prev_hash, hash: b.hash, rows: b.row_count }))).toEqual([
    { id: '1', seq: '1', format: 1, prev: GENESIS_HASH, hash: COMMITTED.format1[0], rows: 3 },
    { id: '2', seq: '2', format: 1, prev: COMMITTED.format1[0], hash: COMMITTED.format1[1], rows: 2 },
    { id: '3', seq: '3', format: 2, prev: COMMITTED.format1[1], hash: COMMITTED.format2[0], rows: 4 },
  ]);
  expect(f1.batches[0].rows.map((r) => r.categories)).toEqual([null, null, null]);
  expect(f1.batches[1].rows.every((r) => r.categories !== null && r.category === null)).toBe(true);
  for (const { batch, rows } of [...f1.batches, ...f2.batches]) {
    expect(rows.map((r) => [r.batch_id, r.logged_at])).toEqual(rows.map(() => [batch.id, batch.logged_at]));
    expect([rows[0].id, rows[rows.length - 1].id]).toEqual([batch.first_row_id, batch.last_row_id]);
  }
});

test("the tests' own implementation of each format gives the committed hashes", () => {
  for (const { batch, rows } of f1.batches) expect(format1Hash(batch.prev_hash, batch.id, batch.logged_at, rows)).toBe(batch.hash);
  for (const { batch, rows } of f2.batches) expect(format2Hash(batch.prev_hash, batch.id, batch.logged_at, rows)).toBe(batch.hash);
});

test("the gateway's format 1 (chain.ts batchHash) gives the committed hashes", () => {
  for (const { batch, rows } of f1.batches) {
    expect(batchHash(batch.prev_hash, batch.id, new Date(batch.logged_at), rows.map(logRow))).toBe(batch.hash);
  }
});

test("the gateway's format 2 (batch-content.ts, chain.ts batchHeader and linkedHash) gives the committed hash, from the rows grouped as the writer sends them", () => {
  for (const { batch, rows } of f2.batches) {
    // As the writer has them: one entry per request, its rows in order.
    const requests: RequestRows[] = [];
    for (const r of rows) {
      const last = requests[requests.length - 1];
      const row = {
        customerId: r.customer_id, fieldPath: r.field_path, effect: r.effect, reason: r.reason, rule: r.rule,
        categories: r.categories!, categoryTypes: r.category_types!, categoryFieldEnds: r.category_field_ends!, fields: r.fields,
      };
      if (last && last.meta.requestId === r.request_id) (last.rows as unknown[]).push(row);
      else requests.push({ meta: logRow(r), rows: [row] });
    }
    expect(requests.map((q) => q.rows.length)).toEqual([2, 2]);
    const digest = contentDigest(batchContent(requests));
    expect(digest).toBe(format2Digest(rows));
    expect(linkedHash(batch.prev_hash, batchHeader(batch.id, new Date(batch.logged_at), rows.length, digest))).toBe(batch.hash);
  }
});

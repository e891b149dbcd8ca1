import { startTestGateway, TestGateway } from '../support/gateway';
import { ask, bornYearsAgo, expectResponse, insertPerson, iso, rootError } from '../fixtures/pack-scenarios';

/**
 * Rights requests and their deadlines under SmartTech (rights.response_deadline P30D, PDPA s.30),
 * through HTTP: recording (with the time it was received), open and overdue listings, completion,
 * refusal with its reason, and the history that cannot be rewritten. The P1M deadline of the
 * Soft SQ pack is tested in rights-softsq.test.ts.
 */
let gw: TestGateway;
const DPO = ['dpo'];
const AUDITOR = ['auditor'];
const FORBIDDEN_ROLE = "The caller's roles do not allow this operation";
const FIELDS = 'id customerId kind receivedAt dueAt deadline status overdue outcome refusalReason resolvedAt resolvedBy recordedAt recordedBy details';
const DAY = 86_400_000;

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'smarttech.yaml' });
  await insertPerson(gw.stores, { id: 'rq_one', firstName: 'Suda', lastName: 'Asks', dateOfBirth: bornYearsAgo(45), collectedDaysAgo: 100 });
  await insertPerson(gw.stores, { id: 'rq_two', firstName: 'Wit', lastName: 'Asks', dateOfBirth: bornYearsAgo(33), collectedDaysAgo: 100 });
});
afterAll(() => gw.close());

/** The request as the gateway should show it, from the stored row and events. */
async function expected(id: string, now = new Date()) {
  const [r] = await gw.stores.gateway.query(`SELECT * FROM rights_requests WHERE id = $1`, [id]);
  const [e] = await gw.stores.gateway.query(`SELECT * FROM rights_request_events WHERE request_id = $1`, [id]);
  const dueAt = new Date(r.received_at.getTime() + 30 * DAY);
  const status = e ? e.action : 'open';
  return {
    id, customerId: r.customer_id, kind: r.kind, receivedAt: iso(r.received_at), dueAt: iso(dueAt), deadline: 'P30D',
    status, overdue: status === 'open' && dueAt < now, outcome: e?.outcome ?? null, refusalReason: e?.refusal_reason ?? null,
    resolvedAt: e ? iso(e.recorded_at) : null, resolvedBy: e?.recorded_by ?? null, recordedAt: iso(r.recorded_at), recordedBy: r.recorded_by, details: r.details,
  };
}

const record = (customerId: string, kind: string, extra = '') => `mutation { recordRightsRequest(customerId: "${customerId}", kind: ${kind}${extra}) { ${FIELDS} } }`;

describe('recording, listing, completing and refusing', () => {
  const ids: Record<string, string> = {};

  test('recorded with the time received: due 30 days later; one received 40 days ago is already overdue', async () => {
    const received40 = new Date(Date.now() - 40 * DAY);
    const received5 = new Date(Date.now() - 5 * DAY);
    const cases = [
      ['old', record('rq_one', 'access', `, receivedAt: "${iso(received40)}", details: { channel: "letter", reference: "REG-0040" }`), received40, { channel: 'letter', reference: 'REG-0040' }],
      ['recent', record('rq_one', 'rectification', `, receivedAt: "${iso(received5)}"`), received5, {}],
      ['now', record('rq_two', 'objection', `, details: { channel: "phone", note: "stop surveys", attachments: 0 }`), null, { channel: 'phone', note: 'stop surveys', attachments: 0 }],
    ] as const;
    for (const [name, m, receivedAt, details] of cases) {
      const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
      const id = r.body.data?.recordRightsRequest?.id as string;
      ids[name] = id;
      const want = await expected(id);
      if (receivedAt) expect(want.receivedAt).toBe(iso(receivedAt));
      expect(want.details).toEqual(details);
      expectResponse(r, 200, { data: { recordRightsRequest: want } });
    }
    expect((await expected(ids.old)).overdue).toBe(true);
    expect((await expected(ids.recent)).overdue).toBe(false);
  });

  test('open (by due time), overdue, all, and one customer\'s; the auditor sees the same', async () => {
    const q = `query($s: RightsRequestFilter, $c: ID) { rightsRequests(status: $s, customerId: $c) { ${FIELDS} } }`;
    const [old, recent, now] = [await expected(ids.old), await expected(ids.recent), await expected(ids.now)];
    for (const [caller, roles] of [['dpo-console', DPO], ['security-audit', AUDITOR]] as const) {
      expectResponse(await ask(gw, caller, null, q, {}, [...roles]), 200, { data: { rightsRequests: [old, recent, now] } });
      expectResponse(await ask(gw, caller, null, q, { s: 'overdue' }, [...roles]), 200, { data: { rightsRequests: [old] } });
      expectResponse(await ask(gw, caller, null, q, { s: 'all', c: 'rq_two' }, [...roles]), 200, { data: { rightsRequests: [now] } });
    }
  });

  test('completing an overdue request: completed with its outcome, no longer open or overdue', async () => {
    const m = `mutation { completeRightsRequest(id: "${ids.old}", outcome: "Copy of the data sent by registered post") { ${FIELDS} } }`;
    const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    const want = await expected(ids.old);
    expect(want).toMatchObject({ status: 'completed', overdue: false, outcome: 'Copy of the data sent by registered post', resolvedBy: 'dpo-console' });
    expectResponse(r, 200, { data: { completeRightsRequest: want } });
    const q = `query($s: RightsRequestFilter) { rightsRequests(status: $s) { id status } }`;
    expectResponse(await ask(gw, 'dpo-console', null, q, { s: 'overdue' }, DPO), 200, { data: { rightsRequests: [] } });
    expectResponse(await ask(gw, 'dpo-console', null, q, { s: 'open' }, DPO), 200, { data: { rightsRequests: [{ id: ids.recent, status: 'open' }, { id: ids.now, status: 'open' }] } });
  });

  test('PDPA s.30: a refusal needs a reason (empty or blank: 400), and is recorded with it', async () => {
    for (const reason of ['', '   ']) {
      const m = `mutation($r: String!) { refuseRightsRequest(id: "${ids.recent}", reason: $r) { id } }`;
      expectResponse(await ask(gw, 'dpo-console', null, m, { r: reason }, DPO), 400, {
        data: null, errors: [rootError(m, 'refuseRightsRequest', 'BAD_USER_INPUT', 'reason must not be empty')],
      });
    }
    expect((await expected(ids.recent)).status).toBe('open');
    const m = `mutation { refuseRightsRequest(id: "${ids.recent}", reason: "  The name on record matches the ID card shown at the counter  ") { ${FIELDS} } }`;
    const r = await ask(gw, 'dpo-console', null, m, undefined, DPO);
    const want = await expected(ids.recent);
    expect(want).toMatchObject({ status: 'refused', refusalReason: 'The name on record matches the ID card shown at the counter', outcome: null });
    expectResponse(r, 200, { data: { refuseRightsRequest: want } });
  });

  test('a request is closed once: completing or refusing it again is refused; an empty outcome too', async () => {
    const c = `mutation { completeRightsRequest(id: "${ids.recent}", outcome: "done") { id } }`;
    expectResponse(await ask(gw, 'dpo-console', null, c, undefined, DPO), 400, {
      data: null, errors: [rootError(c, 'completeRightsRequest', 'BAD_USER_INPUT', 'The rights request is already refused', { requestId: ids.recent, status: 'refused' })],
    });
    const f = `mutation { refuseRightsRequest(id: "${ids.old}", reason: "late") { id } }`;
    expectResponse(await ask(gw, 'dpo-console', null, f, undefined, DPO), 400, {
      data: null, errors: [rootError(f, 'refuseRightsRequest', 'BAD_USER_INPUT', 'The rights request is already completed', { requestId: ids.old, status: 'completed' })],
    });
    const e = `mutation { completeRightsRequest(id: "${ids.now}", outcome: " ") { id } }`;
    expectResponse(await ask(gw, 'dpo-console', null, e, undefined, DPO), 400, { data: null, errors: [rootError(e, 'completeRightsRequest', 'BAD_USER_INPUT', 'outcome must not be empty')] });
  });

  test('the history cannot be rewritten, even by the gateway\'s own connection', async () => {
    await expect(gw.stores.gateway.query(`UPDATE rights_requests SET due_at = due_at + interval '30 days' WHERE id = $1`, [ids.now])).rejects.toThrow('history tables are append-only (rights_requests)');
    await expect(gw.stores.gateway.query(`DELETE FROM rights_request_events WHERE request_id = $1`, [ids.recent])).rejects.toThrow('history tables are append-only (rights_request_events)');
    // A second outcome for a closed request is refused by the database as well.
    await expect(gw.stores.gateway.query(`INSERT INTO rights_request_events (request_id, action, outcome, recorded_by) VALUES ($1, 'completed', 'again', 'x')`, [ids.old]))
      .rejects.toThrow('rights_request_events_one_outcome');
  });
});

describe('bad input and roles: nothing is written', () => {
  let before: number;
  beforeAll(async () => {
    [{ n: before }] = await gw.stores.gateway.query(`SELECT (SELECT count(*) FROM rights_requests) + (SELECT count(*) FROM rights_request_events) AS n`);
  });
  afterAll(async () => {
    const [{ n }] = await gw.stores.gateway.query(`SELECT (SELECT count(*) FROM rights_requests) + (SELECT count(*) FROM rights_request_events) AS n`);
    expect(n).toBe(before);
  });

  test('unknown customer 404; received in the future 400; unknown or malformed request id 404 / 400; unknown kind 400', async () => {
    const nobody = record('rq_nobody', 'erasure');
    expectResponse(await ask(gw, 'dpo-console', null, nobody, undefined, DPO), 404, { data: null, errors: [rootError(nobody, 'recordRightsRequest', 'NOT_FOUND', 'No customer with this id', { customerId: 'rq_nobody' })] });
    const future = record('rq_one', 'erasure', `, receivedAt: "${iso(new Date(Date.now() + DAY))}"`);
    expectResponse(await ask(gw, 'dpo-console', null, future, undefined, DPO), 400, { data: null, errors: [rootError(future, 'recordRightsRequest', 'BAD_USER_INPUT', 'receivedAt must not be in the future')] });
    const missing = `mutation { completeRightsRequest(id: "999999", outcome: "done") { id } }`;
    expectResponse(await ask(gw, 'dpo-console', null, missing, undefined, DPO), 404, { data: null, errors: [rootError(missing, 'completeRightsRequest', 'NOT_FOUND', 'No rights request with this id', { requestId: '999999' })] });
    const malformed = `mutation { refuseRightsRequest(id: "12; DROP TABLE x", reason: "no") { id } }`;
    expectResponse(await ask(gw, 'dpo-console', null, malformed, undefined, DPO), 400, { data: null, errors: [rootError(malformed, 'refuseRightsRequest', 'BAD_USER_INPUT', 'id is not a rights request id')] });
    const kind = record('rq_one', 'forgetfulness');
    const r = await ask(gw, 'dpo-console', null, kind, undefined, DPO);
    expect({ status: r.status, code: r.body.errors[0].extensions.code }).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  test('services and auditors cannot record or close requests; services cannot list them', async () => {
    const ops = [
      ['recordRightsRequest', record('rq_one', 'access')],
      ['completeRightsRequest', `mutation { completeRightsRequest(id: "1", outcome: "done") { id } }`],
      ['refuseRightsRequest', `mutation { refuseRightsRequest(id: "1", reason: "no") { id } }`],
    ] as const;
    for (const [field, m] of ops) {
      for (const [caller, roles] of [['crm-service', ['service']], ['security-audit', AUDITOR]] as const) {
        expectResponse(await ask(gw, caller, null, m, undefined, [...roles]), 403, { data: null, errors: [rootError(m, field, 'FORBIDDEN', FORBIDDEN_ROLE)] });
      }
    }
    const list = `{ rightsRequests { id } }`;
    expectResponse(await ask(gw, 'crm-service', null, list), 403, { data: null, errors: [rootError(list, 'rightsRequests', 'FORBIDDEN', FORBIDDEN_ROLE)] });
  });
});

import { startTestGateway, TestGateway } from '../support/gateway';
import { ask, bornYearsAgo, expectResponse, insertPerson } from '../fixtures/pack-scenarios';

/**
 * The calendar rule through HTTP (policy/duration.ts; Thai CCC s.193/5, Regulation 1182/71):
 * Soft SQ answers requests "within one month" (10.2, rights.response_deadline P1M). A request
 * received on a day the next month does not have is due on that month's last day, by its end,
 * not on the first days of the month after. The gateway's clock cannot be set through HTTP, so
 * the requests are recorded with the time they were received (all in the past: overdue).
 */
let gw: TestGateway;
const DPO = ['dpo'];

beforeAll(async () => {
  gw = await startTestGateway({ policy: 'softsq.yaml' });
  await insertPerson(gw.stores, { id: 'sq_month', firstName: 'Malee', lastName: 'Month', dateOfBirth: bornYearsAgo(38), collectedDaysAgo: 1200 });
});
afterAll(() => gw.close());

test('P1M: 31 October is due 30 November; 30 and 31 January are due with the end of February (29th in 2024)', async () => {
  const m = `mutation($at: DateTimeISO) { recordRightsRequest(customerId: "sq_month", kind: access, receivedAt: $at) { receivedAt dueAt deadline status overdue } }`;
  const cases: [string, string][] = [
    ['2025-10-31T09:30:00.000Z', '2025-11-30T23:59:59.999Z'],
    ['2025-10-30T09:30:00.000Z', '2025-11-30T09:30:00.000Z'],
    ['2025-01-30T16:45:00.000Z', '2025-02-28T23:59:59.999Z'],
    ['2024-01-31T16:45:00.000Z', '2024-02-29T23:59:59.999Z'],
    ['2024-02-29T08:00:00.000Z', '2024-03-29T08:00:00.000Z'],
    ['2025-08-31T23:00:00.000Z', '2025-09-30T23:59:59.999Z'],
  ];
  for (const [receivedAt, dueAt] of cases) {
    expectResponse(await ask(gw, 'dpo-console', null, m, { at: receivedAt }, DPO), 200, {
      data: { recordRightsRequest: { receivedAt, dueAt, deadline: 'P1M', status: 'open', overdue: true } },
    });
  }
  // The stored due time is the one the listings sort and judge by.
  expectResponse(await ask(gw, 'security-audit', null, `{ rightsRequests(status: overdue) { receivedAt dueAt } }`, undefined, ['auditor']), 200, {
    data: {
      rightsRequests: [
        { receivedAt: '2024-01-31T16:45:00.000Z', dueAt: '2024-02-29T23:59:59.999Z' },
        { receivedAt: '2024-02-29T08:00:00.000Z', dueAt: '2024-03-29T08:00:00.000Z' },
        { receivedAt: '2025-01-30T16:45:00.000Z', dueAt: '2025-02-28T23:59:59.999Z' },
        { receivedAt: '2025-08-31T23:00:00.000Z', dueAt: '2025-09-30T23:59:59.999Z' },
        { receivedAt: '2025-10-30T09:30:00.000Z', dueAt: '2025-11-30T09:30:00.000Z' },
        { receivedAt: '2025-10-31T09:30:00.000Z', dueAt: '2025-11-30T23:59:59.999Z' },
      ],
    },
  });
});

import fc from 'fast-check';
import { addPosition, fieldPathText, FoldedField } from '../../src/audit/field-paths';

/** The documented reading of a logged path: every position its runs stand for, in order. */
function expand(path: string): string[] {
  const m = /^(.*\.)(\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*)(\..*)$/.exec(path);
  if (m === null) return [path];
  return m[2].split(',').flatMap((run) => {
    const [from, to = from] = run.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, k) => `${m[1]}${from + k}${m[3]}`);
  });
}

function folded(head: string, tail: string, positions: number[]): FoldedField {
  const group: FoldedField = { head, tail, runs: [positions[0], positions[0]] };
  for (const p of positions.slice(1)) addPosition(group, p);
  return group;
}

describe("access-log field paths: a list's records read alike are one path with their positions", () => {
  it('writes consecutive positions as a range, others after a comma', () => {
    expect(fieldPathText(folded('orders.', '.total', [0, 1, 2, 5]))).toBe('orders.0-2,5.total');
    expect(fieldPathText(folded('accounts.0.loginEvents.', '.ipAddress', [0]))).toBe('accounts.0.loginEvents.0.ipAddress');
    expect(fieldPathText('firstName')).toBe('firstName');
  });

  it('a position met twice (the same field under two aliases) is written twice', () => {
    expect(fieldPathText(folded('emails.', '.address', [0, 0, 1, 1]))).toBe('emails.0,0-1,1.address');
  });

  it('loses nothing: the written path reads back as every position met, in order', () => {
    fc.assert(fc.property(fc.array(fc.nat({ max: 30 }), { minLength: 1, maxLength: 60 }), fc.boolean(), (positions, nested) => {
      const head = nested ? 'accounts.3.loginEvents.' : 'orders.';
      expect(expand(fieldPathText(folded(head, '.occurredAt', positions)))).toEqual(positions.map((p) => `${head}${p}.occurredAt`));
    }), { numRuns: 500 });
  });
});

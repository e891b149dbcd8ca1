import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../../src/errors';

/**
 * ERROR_CODES is the one list of the codes a client can see; the README's error table is how a
 * caller learns them. Every code of the list is in the table, with the HTTP status the list gives it.
 */
test('every error code is in the README\'s error table, with its status', () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('Errors carry `extensions.code`'), readme.indexOf('A denied field\'s error lists after'));
  const documented = new Map<string, string>();
  for (const line of table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| HTTP') && !l.startsWith('|---'))) {
    const [statuses, codes] = line.split('|').slice(1, 3).map((c) => c.trim());
    const st = statuses.split('/').map((x) => x.trim());
    [...codes.matchAll(/`([A-Z_]+)`/g)].forEach((m, i) => documented.set(m[1], st[Math.min(i, st.length - 1)]));
  }
  const expected = Object.entries(ERROR_CODES).map(([code, status]) => [code, String(status)]);
  expect(expected.map(([code]) => [code, documented.get(code)])).toEqual(expected);
});

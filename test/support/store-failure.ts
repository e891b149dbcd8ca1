import fs from 'node:fs';

/** Helpers of the store-failure tests (test/integration/store-failure-*.test.ts): the expected 503 bodies, and PostgreSQL's processes. */

/** The 503 answer of a GraphQL root field: the field (or, if not nullable, all data) null and one coded error. */
export function rootUnavailable(field: string, column: number, code: string, message: string, data: unknown) {
  return { data, errors: [{ message, locations: [{ line: 1, column }], path: [field], extensions: { code } }] };
}
/** The 503 answer of a route outside GraphQL, and of a withheld GraphQL response. */
export const routeUnavailable = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

/** Child processes of a process (PostgreSQL's backends of its postmaster), from /proc. */
export function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

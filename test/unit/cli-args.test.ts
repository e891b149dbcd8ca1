import { parseAuditArgs } from '../../src/cli/audit';
import { parseRetentionArgs } from '../../src/cli/retention';
import { HelpRequested, UsageError } from '../../src/cli/run-cli';

/** The command lines of `npm run audit` and `npm run retention`: what they accept, and the usage error for everything else. */
const usage = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof UsageError ? err.message : err instanceof HelpRequested ? 'help' : `unexpected ${String(err)}`;
  }
  return 'accepted';
};

test('audit: verify, prune --before/--by; usage errors name what was expected', () => {
  expect(parseAuditArgs(['verify'])).toEqual({ command: 'verify' });
  expect(parseAuditArgs(['prune', '--before', '2026-01-01', '--by', 'dpo@host'])).toEqual({ command: 'prune', before: new Date('2026-01-01T00:00:00Z'), by: 'dpo@host' });
  expect([[], ['foo'], ['verify', 'x'], ['verify', '--before', '2026-01-01'], ['prune'], ['prune', '--before', '2026-02-30'], ['prune', '--before', '2026-01-01', '--by', ' '], ['--help'], ['verify', '--bogus']].map((a) => usage(() => parseAuditArgs(a)))).toEqual([
    'a command is required: verify or prune',
    'unknown command "foo": verify or prune',
    'one command expected, got "verify x"',
    'verify takes no options but --checkpoints FOLDER',
    'prune needs --before YYYY-MM-DD',
    '--before must be a date YYYY-MM-DD, got "2026-02-30"',
    '--by must not be empty',
    'help',
    expect.stringContaining("Unknown option '--bogus'"),
  ]);
});

test('retention: sweep and its options; anything else is a usage error', () => {
  expect(parseRetentionArgs(['sweep', '--batch', '500', '--dry-run'])).toEqual({ command: 'sweep', dryRun: true, batch: 500, now: null, json: false });
  expect([[], ['sweeps'], ['sweep', 'now'], ['sweep', '--batch', '0'], ['--help']].map((a) => usage(() => parseRetentionArgs(a)))).toEqual([
    'a command is required: sweep',
    'unknown command "sweeps": sweep',
    'one command expected, got "sweep now"',
    '--batch must be an integer from 1 to 100000, got "0"',
    'help',
  ]);
});

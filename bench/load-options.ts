/**
 * The command line of `npm run load`: its options, their defaults and limits, the usage text, and
 * the parser that turns argv into Options (or a UsageError).
 */

export interface Options {
  clients: number;
  seconds: number;
  warmup: number;
  subjects: number;
  port: number;
  pgPort: number;
  seed: number;
  keep: boolean;
  logLevel: string;
}

const LIMITS = {
  clients: [1, 256],
  seconds: [1, 600],
  warmup: [0, 60],
  subjects: [20, 100_000],
  port: [1024, 65535],
  pgPort: [1024, 65535],
  seed: [1, 0xffffffff],
} as const;
const DEFAULTS: Options = { clients: 16, seconds: 30, warmup: 3, subjects: 2000, port: 54470, pgPort: 54430, seed: 42, keep: false, logLevel: 'info' };
export const USAGE = `usage: npm run load -- [--clients 16] [--seconds 30] [--warmup 3] [--subjects 2000] [--port 54470] [--pg-port 54430]
                        [--seed 42] [--log-level info|warn|error|silent] [--keep]
  clients ${LIMITS.clients.join('..')}, seconds ${LIMITS.seconds.join('..')}, warmup ${LIMITS.warmup.join('..')}, subjects ${LIMITS.subjects.join('..')}`;

export class UsageError extends Error {}

export function parseArgs(argv: string[]): Options {
  const o: Options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    if (a === '--keep') {
      o.keep = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    if (a === '--log-level') {
      if (!['debug', 'info', 'warn', 'error', 'silent'].includes(v)) throw new UsageError(`--log-level: expected debug, info, warn, error or silent, got "${v}"`);
      o.logLevel = v;
      continue;
    }
    const key = ({ '--clients': 'clients', '--seconds': 'seconds', '--warmup': 'warmup', '--subjects': 'subjects', '--port': 'port', '--pg-port': 'pgPort', '--seed': 'seed' } as const)[a];
    if (!key) throw new UsageError(`unknown option ${a}`);
    const n = Number(v);
    const [min, max] = LIMITS[key];
    if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`${a}: expected an integer from ${min} to ${max}, got "${v}"`);
    o[key] = n;
  }
  if (o.port === o.pgPort) throw new UsageError('--port and --pg-port must differ');
  return o;
}

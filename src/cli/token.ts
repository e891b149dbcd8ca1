import { SignJWT } from 'jose';
import { loadConfig } from '../config';
import { devSecret } from '../http/authenticate';
import { ROLES } from '../policy/pack.types';
import { parseDuration, periodEnd } from '../policy/duration';

/**
 * `npm run token -- --caller <id> [--roles service,dpo] [--ttl 1h]`: prints one development
 * token (HS256, signed with the embedded default's secret) and nothing else on stdout.
 */
export async function signDevToken(opts: { caller: string; roles: string[]; ttlSeconds: number; config?: ReturnType<typeof loadConfig> }): Promise<string> {
  const config = opts.config ?? loadConfig();
  return new SignJWT({ roles: opts.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.caller)
    .setAudience(config.auth.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + opts.ttlSeconds)
    .sign(devSecret(config));
}

/**
 * `--ttl` in seconds from `now`: 30s, 30m, 1h, 7d exactly; or an ISO 8601 duration (P7D, P2W,
 * P1M, P1Y), whose months and years are calendar months and years ending where the calendar rule
 * says (policy/duration.ts: 31 January + P1M ends with 28 or 29 February), not 30 or 365 days.
 */
export function parseTtl(raw: string, now: Date = new Date()): number {
  const m = /^(\d+)([smhd])$/.exec(raw);
  if (!m) {
    const d = parseDuration(raw);
    if (!d) throw new Error(`--ttl must look like 30m, 1h, 7d or P1M, got "${raw}"`);
    return Math.floor(periodEnd(now, d).getTime() / 1000) - Math.floor(now.getTime() / 1000);
  }
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

async function main(argv: string[]): Promise<void> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`unexpected argument "${argv[i]}"`);
    args.set(argv[i].slice(2), argv[i + 1]);
  }
  for (const k of args.keys()) if (!['caller', 'roles', 'ttl'].includes(k)) throw new Error(`unknown option --${k}`);
  const caller = args.get('caller');
  if (!caller) throw new Error('--caller <id> is required');
  const roles = (args.get('roles') ?? 'service').split(',').filter(Boolean);
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new Error(`unknown role "${r}" (roles: ${ROLES.join(', ')})`);
  const config = loadConfig();
  const ttlSeconds = parseTtl(args.get('ttl') ?? '1h');
  // The gateway would refuse it (src/http/authenticate.ts): say so now rather than at the first request.
  if (ttlSeconds > config.auth.maxLifetimeSeconds) throw new Error(`--ttl is longer than GATEWAY_JWT_MAX_LIFETIME_S (${config.auth.maxLifetimeSeconds} s): the gateway would refuse the token`);
  process.stdout.write((await signDevToken({ caller, roles, ttlSeconds, config })) + '\n');
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`token: ${err.message}\nusage: npm run token -- --caller <id> [--roles service,dpo] [--ttl 1h]\n`);
    process.exit(2);
  });
}

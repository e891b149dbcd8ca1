/**
 * Structured JSON logs, one object per line on stderr (stdout stays free for CLI output such as
 * `npm run token`). Callers pass identifiers and counts, never personal-data values: fields named
 * like personal data are refused here as a last line of defence.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const FORBIDDEN_KEYS = /^(value|email|phone|name|firstName|lastName|nationalId|passport|address|taxId|accountNumber|body|ip|ipAddress)$/i;

let threshold = ORDER[(process.env.LOG_LEVEL as Level) ?? 'info'] ?? ORDER.info;

export function setLogLevel(level: Level | 'silent'): void {
  threshold = ORDER[level];
}

function write(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold) return;
  const safe: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) safe[k] = FORBIDDEN_KEYS.test(k) ? '[redacted]' : v;
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...safe }) + '\n');
}

export const log = {
  debug: (msg: string, f?: Record<string, unknown>) => write('debug', msg, f),
  info: (msg: string, f?: Record<string, unknown>) => write('info', msg, f),
  warn: (msg: string, f?: Record<string, unknown>) => write('warn', msg, f),
  error: (msg: string, f?: Record<string, unknown>) => write('error', msg, f),
};

/**
 * What a log line may say of a caught error: PostgreSQL's error code (SQLSTATE) for a database
 * error, never its message, which can quote the input (a duplicate key, a bad value); the message
 * of the gateway's own errors, which never hold a value.
 */
export function errorFields(err: unknown): Record<string, string> {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const sqlstate = [e?.code, e?.driverError?.code].find((c): c is string => typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c));
  if (sqlstate !== undefined) return { error: 'database error', code: sqlstate };
  if (typeof e?.code === 'string') return { error: 'system error', code: e.code }; // ECONNREFUSED, ENOENT...
  return { error: err instanceof Error ? err.message : 'unknown error' };
}

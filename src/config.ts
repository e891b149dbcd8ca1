import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseVerifierKey, validKeyName } from './audit/checkpoint';
import { DEFAULT_RUNTIME_ROLE, ROLE_NAME } from './stores/runtime-role';

/**
 * The one configuration module. Every setting has a commented default here; the environment
 * overrides it; `loadConfig` validates the result and throws a ConfigError naming the bad
 * setting. Override order: explicit overrides (tests) -> environment -> default.
 * Secrets (database URLs, JWT secret) are never logged: see `describeConfig`.
 */
export type GatewayEnv = 'development' | 'production';

export interface Config {
  /** development: introspection on, dev HS256 tokens accepted. production: JWKS only, introspection off. */
  env: GatewayEnv;
  /** Address the HTTP server binds to. */
  host: string;
  /** HTTP port; 0 picks a free port (tests). */
  port: number;
  /** Connection strings of the three stores; all null means "start the embedded PostgreSQL". */
  databases: { gateway: string | null; crm: string | null; billing: string | null };
  /** The gateway's runtime role: the migrations grant to it, the embedded PostgreSQL creates it (src/stores/runtime-role.ts). */
  runtimeRole: string;
  /** Folder for the embedded PostgreSQL cluster and the development JWT secret. */
  dataDir: string;
  /** Port of the embedded PostgreSQL. */
  embeddedPgPort: number;
  /** Load the small demo dataset when the embedded stores are empty. */
  seedDemo: boolean;
  auth: {
    /** Expected `aud` claim. */
    audience: string;
    /** Expected `iss` claim, if set. */
    issuer: string | null;
    /** Production: verify RS256/ES256 tokens against this JWKS URL. */
    jwksUrl: string | null;
    /** Development: HS256 secret. Null = generated and kept in dataDir/jwt-secret. */
    devSecret: string | null;
    /** Longest lifetime a token may have: `exp - iat` (or `exp - now` for a development token without `iat`), seconds. */
    maxLifetimeSeconds: number;
    /** Clock difference tolerated with the token issuer, seconds: on `exp`, `nbf` and a future `iat`. */
    clockSkewSeconds: number;
    /** Production: the longest wait for the JWKS (fetch, whole body); then 503 AUTH_UNAVAILABLE. */
    jwksTimeoutMs: number;
  };
  /** Path of the policy pack in force. */
  policyPath: string;
  /** Most ids one `customers(ids:)` call may ask for. */
  maxBatch: number;
  /** What one GraphQL document may ask for (src/http/limits.ts); refused before any resolver runs. */
  queryLimits: {
    maxLength: number;
    maxTokens: number;
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    maxCost: number;
  };
  /** Longest a GraphQL request may take once received; then 503 REQUEST_TIMEOUT, no data. */
  executionTimeoutMs: number;
  /**
   * Client-side bounds on the gateway's statements (src/stores/statement-bound.ts): a store that
   * does not answer one within `statementMs` is given up on (503 STORE_UNAVAILABLE, or the
   * state/log code); the exports' pages get `exportStatementMs`.
   */
  storeTimeouts: { statementMs: number; exportStatementMs: number };
  /**
   * How long a request may take to arrive (node's headersTimeout and requestTimeout, passed to
   * createServer): headers within headersTimeoutMs, the whole request (body included) within
   * requestTimeoutMs, else 408 HTTP_REQUEST_TIMEOUT and the connection closed (src/http/http-server.ts).
   */
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  /**
   * Port of the separate metrics listener (GET /metrics only, on `host`); null = no such listener
   * and /metrics is served on the API port (development's default). Production: 9464 by default.
   */
  metricsPort: number | null;
  /** Per-caller token bucket, in memory per replica (src/http/rate-limit.ts); perSecond 0 = off. */
  rateLimit: { perSecond: number; burst: number };
  /** Signed checkpoints of the access log (src/audit/checkpointer.ts), written outside the database. */
  checkpoints: {
    /** Append-only folder: one file per checkpoint, never overwritten. */
    dir: string;
    /** Ed25519 signing key (PKCS#8 PEM). Null: development generates dataDir/checkpoint-ed25519.pem; production refuses to start. */
    keyFile: string | null;
    /** How often the chain head is signed (and once more on shutdown); skipped while the head has not moved. */
    intervalMs: number;
    /** The note's origin line and the key's name. */
    origin: string;
    /** Optional witness: each checkpoint is POSTed there as text. */
    witnessUrl: string | null;
    /** The verifier key `npm run audit -- verify --checkpoints` trusts (and the gateway's key must match); null: the folder's checkpoint-key.vkey. */
    publicKey: string | null;
    /** This process's name in checkpoint file names, so replicas sharing a folder never collide (default: the host name). */
    replica: string;
  };
  /** Structured log level. */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
}

export class ConfigError extends Error {
  constructor(public readonly setting: string, message: string) {
    super(`Invalid setting ${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The folder holding package.json, whether we run from src/ (jest) or dist/src/ (compiled). */
export const PROJECT_ROOT = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

const DEFAULTS = {
  GATEWAY_ENV: 'development', // or 'production'
  HOST: '127.0.0.1', // the k8s manifests set 0.0.0.0
  PORT: '4000',
  GATEWAY_DATA_DIR: path.join(PROJECT_ROOT, '.data'),
  EMBEDDED_PG_PORT: '54329', // away from a system PostgreSQL on 5432
  GATEWAY_SEED_DEMO: 'true',
  GATEWAY_RUNTIME_ROLE: DEFAULT_RUNTIME_ROLE, // the role the gateway runs as; the migrations (run as the owner) grant to it
  GATEWAY_JWT_AUDIENCE: 'privacy-gateway',
  GATEWAY_JWT_MAX_LIFETIME_S: '86400', // a token valid longer (exp - iat) is refused
  GATEWAY_JWT_CLOCK_SKEW_S: '30', // tolerated on exp, nbf and a future iat
  GATEWAY_JWKS_TIMEOUT_MS: '3000', // production: the JWKS fetch, whole; then 503 AUTH_UNAVAILABLE
  GATEWAY_POLICY: path.join(PROJECT_ROOT, 'policies', 'smarttech.yaml'),
  GATEWAY_MAX_BATCH: '100',
  // Query limits (src/http/limits.ts), about twice what the heaviest legitimate document needs, measured
  // (test/integration/hostile-input-query-limits.test.ts): customers(ids: 100 literal ids) with every field is 2,600
  // characters, 330 tokens, depth 4, cost 11,201; accessLog(first: 500) with every field costs 12,501;
  // eraseMinorsWithoutGuardianConsent(limit: 1000) with every field 23,001. No client query uses an
  // alias or a directive (and the schema has no executable directive yet).
  GATEWAY_MAX_QUERY_LENGTH: '10000', // characters of the GraphQL document; the 1 MB body limit covers variables
  GATEWAY_MAX_QUERY_TOKENS: '1000',
  GATEWAY_MAX_QUERY_DEPTH: '10', // fields, inline fragments and fragment spreads each count a level
  GATEWAY_MAX_QUERY_ALIASES: '15',
  GATEWAY_MAX_QUERY_DIRECTIVES: '20',
  GATEWAY_MAX_QUERY_COST: '50000', // fields x list sizes (ids, first, limit)
  GATEWAY_STORE_STATEMENT_TIMEOUT_MS: '3000', // one statement of the gateway's pools; the pool's connection timeout is 3 s too
  GATEWAY_EXPORT_STATEMENT_TIMEOUT_MS: '120000', // one page of an export (/audit/export, the subject export), once its snapshot is open
  GATEWAY_EXECUTION_TIMEOUT_MS: '10000', // a GraphQL request, after its body is read (GATEWAY_REQUEST_TIMEOUT_MS bounds the reading)
  GATEWAY_HEADERS_TIMEOUT_MS: '10000', // a request's headers must arrive within this (at most GATEWAY_REQUEST_TIMEOUT_MS)
  GATEWAY_REQUEST_TIMEOUT_MS: '30000', // the whole request, body included; then 408 HTTP_REQUEST_TIMEOUT
  GATEWAY_METRICS_PORT: '9464', // production's default (Prometheus exporters' range); development: unset, /metrics on PORT
  GATEWAY_RATE_LIMIT_RPS: '100', // per caller and per replica; 0 turns the limit off
  GATEWAY_RATE_LIMIT_BURST: '200',
  GATEWAY_CHECKPOINT_INTERVAL_MS: '10000', // the chain head is signed this often (and on shutdown), off the request path
  GATEWAY_CHECKPOINT_ORIGIN: 'localhost/privacy-gateway/access-log', // set one per deployment, e.g. privacy.example.com/privacy-gateway/access-log
  LOG_LEVEL: 'info',
} as const;

type Env = Record<string, string | undefined>;

function int(env: Env, key: keyof typeof DEFAULTS, min: number, max: number): number {
  const raw = env[key] || DEFAULTS[key]; // an empty variable counts as unset
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(key, `expected an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, key: string, fallback: string, allowed: readonly T[]): T {
  const raw = env[key] || fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(key, `expected one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, key: string, protocols: string[]): string | null {
  const raw = env[key];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(key, 'not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(key, `expected a ${protocols.join(' or ')} URL`);
  }
  return raw;
}

/** The request's arrival bounds: headers at most the whole request (node refuses the reverse). */
function httpTimeouts(env: Env): Config['http'] {
  const requestTimeoutMs = int(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 1000, 600_000);
  const headersTimeoutMs = int(env, 'GATEWAY_HEADERS_TIMEOUT_MS', 1000, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('GATEWAY_HEADERS_TIMEOUT_MS', `must be at most GATEWAY_REQUEST_TIMEOUT_MS (${requestTimeoutMs}), got ${headersTimeoutMs}`);
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

/** Production always has a metrics listener of its own (default 9464); development only when GATEWAY_METRICS_PORT is set. */
function metricsPort(env: Env, gatewayEnv: GatewayEnv): number | null {
  if (gatewayEnv === 'development' && !env.GATEWAY_METRICS_PORT) return null;
  const port = int(env, 'GATEWAY_METRICS_PORT', 0, 65535);
  if (port !== 0 && port === int(env, 'PORT', 0, 65535)) throw new ConfigError('GATEWAY_METRICS_PORT', 'must differ from PORT: /metrics is not served on the API port');
  return port;
}

export function loadConfig(overrides: Env = {}): Config {
  const env: Env = { ...process.env, ...overrides };
  const gatewayEnv = oneOf(env, 'GATEWAY_ENV', DEFAULTS.GATEWAY_ENV, ['development', 'production'] as const);
  const pg = ['postgres:', 'postgresql:'];
  const databases = {
    gateway: url(env, 'GATEWAY_DATABASE_URL', pg),
    crm: url(env, 'CRM_DATABASE_URL', pg),
    billing: url(env, 'BILLING_DATABASE_URL', pg),
  };
  const set = Object.values(databases).filter((v) => v !== null).length;
  if (set !== 0 && set !== 3) {
    const missing = Object.entries({ GATEWAY_DATABASE_URL: databases.gateway, CRM_DATABASE_URL: databases.crm, BILLING_DATABASE_URL: databases.billing })
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    throw new ConfigError(missing[0], 'set all three database URLs, or none to use the embedded PostgreSQL');
  }
  const jwksUrl = url(env, 'GATEWAY_JWKS_URL', ['https:', 'http:']);
  const devSecret = env.GATEWAY_JWT_SECRET || null;
  if (devSecret !== null && devSecret.length < 32) {
    throw new ConfigError('GATEWAY_JWT_SECRET', 'must be at least 32 characters');
  }
  if (gatewayEnv === 'production' && jwksUrl === null) {
    throw new ConfigError('GATEWAY_JWKS_URL', 'required when GATEWAY_ENV=production');
  }
  if (gatewayEnv === 'production' && set === 0) {
    throw new ConfigError('GATEWAY_DATABASE_URL', 'production needs real databases; the embedded PostgreSQL is for development');
  }
  const checkpointOrigin = env.GATEWAY_CHECKPOINT_ORIGIN || DEFAULTS.GATEWAY_CHECKPOINT_ORIGIN;
  if (!validKeyName(checkpointOrigin)) throw new ConfigError('GATEWAY_CHECKPOINT_ORIGIN', 'must be non-empty, without spaces or "+" (it names the signing key)');
  const checkpointPublicKey = env.GATEWAY_CHECKPOINT_PUBLIC_KEY || null;
  if (checkpointPublicKey !== null) {
    try {
      parseVerifierKey(checkpointPublicKey);
    } catch (err) {
      throw new ConfigError('GATEWAY_CHECKPOINT_PUBLIC_KEY', (err as Error).message);
    }
  }
  const replica = env.GATEWAY_REPLICA_ID || os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(replica)) throw new ConfigError('GATEWAY_REPLICA_ID', 'expected 1 to 100 letters, digits, ".", "_" or "-"');
  const dataDir = path.resolve(env.GATEWAY_DATA_DIR || DEFAULTS.GATEWAY_DATA_DIR);
  const runtimeRole = env.GATEWAY_RUNTIME_ROLE || DEFAULTS.GATEWAY_RUNTIME_ROLE;
  if (!ROLE_NAME.test(runtimeRole)) throw new ConfigError('GATEWAY_RUNTIME_ROLE', `expected a PostgreSQL role name of a-z, 0-9 and _, got "${runtimeRole}"`);
  const seedDemo = oneOf(env, 'GATEWAY_SEED_DEMO', DEFAULTS.GATEWAY_SEED_DEMO, ['true', 'false'] as const) === 'true';
  return {
    env: gatewayEnv,
    host: env.HOST || DEFAULTS.HOST,
    port: int(env, 'PORT', 0, 65535),
    databases,
    runtimeRole,
    dataDir,
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 1024, 65535),
    seedDemo,
    auth: {
      audience: env.GATEWAY_JWT_AUDIENCE || DEFAULTS.GATEWAY_JWT_AUDIENCE,
      issuer: env.GATEWAY_JWT_ISSUER || null,
      jwksUrl,
      devSecret,
      maxLifetimeSeconds: int(env, 'GATEWAY_JWT_MAX_LIFETIME_S', 60, 366 * 86400),
      clockSkewSeconds: int(env, 'GATEWAY_JWT_CLOCK_SKEW_S', 0, 600),
      jwksTimeoutMs: int(env, 'GATEWAY_JWKS_TIMEOUT_MS', 100, 60_000),
    },
    policyPath: path.resolve(env.GATEWAY_POLICY || DEFAULTS.GATEWAY_POLICY),
    maxBatch: int(env, 'GATEWAY_MAX_BATCH', 1, 1000),
    queryLimits: {
      maxLength: int(env, 'GATEWAY_MAX_QUERY_LENGTH', 100, 1_000_000),
      maxTokens: int(env, 'GATEWAY_MAX_QUERY_TOKENS', 10, 100_000),
      maxDepth: int(env, 'GATEWAY_MAX_QUERY_DEPTH', 1, 100),
      maxAliases: int(env, 'GATEWAY_MAX_QUERY_ALIASES', 0, 1000),
      maxDirectives: int(env, 'GATEWAY_MAX_QUERY_DIRECTIVES', 0, 1000),
      maxCost: int(env, 'GATEWAY_MAX_QUERY_COST', 1, 100_000_000),
    },
    executionTimeoutMs: int(env, 'GATEWAY_EXECUTION_TIMEOUT_MS', 1, 600_000),
    storeTimeouts: {
      statementMs: int(env, 'GATEWAY_STORE_STATEMENT_TIMEOUT_MS', 100, 600_000),
      exportStatementMs: int(env, 'GATEWAY_EXPORT_STATEMENT_TIMEOUT_MS', 1000, 3_600_000),
    },
    http: httpTimeouts(env),
    metricsPort: metricsPort(env, gatewayEnv),
    rateLimit: { perSecond: int(env, 'GATEWAY_RATE_LIMIT_RPS', 0, 1_000_000), burst: int(env, 'GATEWAY_RATE_LIMIT_BURST', 1, 1_000_000) },
    checkpoints: {
      dir: path.resolve(env.GATEWAY_CHECKPOINT_DIR || path.join(dataDir, 'checkpoints')),
      keyFile: env.GATEWAY_CHECKPOINT_KEY_FILE ? path.resolve(env.GATEWAY_CHECKPOINT_KEY_FILE) : null,
      intervalMs: int(env, 'GATEWAY_CHECKPOINT_INTERVAL_MS', 1000, 3_600_000),
      origin: checkpointOrigin,
      witnessUrl: url(env, 'GATEWAY_CHECKPOINT_WITNESS_URL', ['https:', 'http:']),
      publicKey: checkpointPublicKey,
      replica,
    },
    logLevel: oneOf(env, 'LOG_LEVEL', DEFAULTS.LOG_LEVEL, ['debug', 'info', 'warn', 'error', 'silent'] as const),
  };
}

/** The config as it may be logged: connection strings and secrets reduced to whether they are set. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    env: c.env,
    host: c.host,
    port: c.port,
    databases: c.databases.gateway ? 'external' : 'embedded',
    runtimeRole: c.runtimeRole,
    dataDir: c.dataDir,
    policy: c.policyPath,
    auth: c.auth.jwksUrl ? 'jwks' : 'dev-hs256',
    maxBatch: c.maxBatch,
    queryLimits: c.queryLimits,
    executionTimeoutMs: c.executionTimeoutMs,
    storeTimeouts: c.storeTimeouts,
    tokens: { maxLifetimeSeconds: c.auth.maxLifetimeSeconds, clockSkewSeconds: c.auth.clockSkewSeconds, jwksTimeoutMs: c.auth.jwksTimeoutMs },
    http: c.http,
    metricsPort: c.metricsPort ?? 'on PORT',
    rateLimit: c.rateLimit.perSecond > 0 ? c.rateLimit : 'off',
    checkpoints: { dir: c.checkpoints.dir, intervalMs: c.checkpoints.intervalMs, origin: c.checkpoints.origin, replica: c.checkpoints.replica, witness: c.checkpoints.witnessUrl ? 'set' : 'off' },
  };
}

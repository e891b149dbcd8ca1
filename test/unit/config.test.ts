import { ConfigError, describeConfig, loadConfig } from '../../src/config';

/** One config module: defaults, environment overrides, and errors that name the bad setting. */
const bad = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    return e instanceof ConfigError ? e.message : `unexpected ${String(e)}`;
  }
  return 'no error';
};

test('defaults: development, embedded stores, port 4000', () => {
  const c = loadConfig({ GATEWAY_ENV: '', PORT: '', GATEWAY_DATABASE_URL: '', CRM_DATABASE_URL: '', BILLING_DATABASE_URL: '' });
  expect({ env: c.env, port: c.port, databases: c.databases, maxBatch: c.maxBatch, audience: c.auth.audience }).toEqual({
    env: 'development', port: 4000, databases: { gateway: null, crm: null, billing: null }, maxBatch: 100, audience: 'privacy-gateway',
  });
});

test.each([
  [{ PORT: 'abc' }, 'Invalid setting PORT: expected an integer between 0 and 65535, got "abc"'],
  [{ GATEWAY_ENV: 'staging' }, 'Invalid setting GATEWAY_ENV: expected one of development, production, got "staging"'],
  [{ GATEWAY_DATABASE_URL: 'postgres://x@h/db' }, 'Invalid setting CRM_DATABASE_URL: set all three database URLs, or none to use the embedded PostgreSQL'],
  [{ GATEWAY_DATABASE_URL: 'mysql://h/db', CRM_DATABASE_URL: 'postgres://h/c', BILLING_DATABASE_URL: 'postgres://h/b' }, 'Invalid setting GATEWAY_DATABASE_URL: expected a postgres: or postgresql: URL'],
  [{ GATEWAY_JWT_SECRET: 'short' }, 'Invalid setting GATEWAY_JWT_SECRET: must be at least 32 characters'],
  [{ GATEWAY_ENV: 'production' }, 'Invalid setting GATEWAY_JWKS_URL: required when GATEWAY_ENV=production'],
  [{ GATEWAY_MAX_BATCH: '0' }, 'Invalid setting GATEWAY_MAX_BATCH: expected an integer between 1 and 1000, got "0"'],
  [{ GATEWAY_RUNTIME_ROLE: 'App; DROP' }, 'Invalid setting GATEWAY_RUNTIME_ROLE: expected a PostgreSQL role name of a-z, 0-9 and _, got "App; DROP"'],
])('%j is refused with a message naming the setting', (env, message) => {
  expect(bad(env)).toBe(message);
});

test('the loggable description never includes connection strings or secrets', () => {
  const c = loadConfig({ GATEWAY_DATABASE_URL: 'postgres://u:SECRETPW@h/g', CRM_DATABASE_URL: 'postgres://u:SECRETPW@h/c', BILLING_DATABASE_URL: 'postgres://u:SECRETPW@h/b', GATEWAY_JWT_SECRET: 'S'.repeat(40) });
  expect(JSON.stringify(describeConfig(c))).not.toMatch(/SECRETPW|SSSS/);
});

test('store and token bounds (issue 16, items 3 and 4): defaults, and values out of range refused', () => {
  const unset = { GATEWAY_STORE_STATEMENT_TIMEOUT_MS: '', GATEWAY_EXPORT_STATEMENT_TIMEOUT_MS: '', GATEWAY_JWT_MAX_LIFETIME_S: '', GATEWAY_JWT_CLOCK_SKEW_S: '', GATEWAY_JWKS_TIMEOUT_MS: '' };
  const c = loadConfig(unset);
  expect({ storeTimeouts: c.storeTimeouts, maxLifetime: c.auth.maxLifetimeSeconds, skew: c.auth.clockSkewSeconds, jwks: c.auth.jwksTimeoutMs }).toEqual({
    storeTimeouts: { statementMs: 3000, exportStatementMs: 120_000 }, maxLifetime: 86_400, skew: 30, jwks: 3000,
  });
  expect(bad({ GATEWAY_STORE_STATEMENT_TIMEOUT_MS: '0' })).toBe('Invalid setting GATEWAY_STORE_STATEMENT_TIMEOUT_MS: expected an integer between 100 and 600000, got "0"');
  expect(bad({ GATEWAY_JWT_MAX_LIFETIME_S: '315360000' })).toBe('Invalid setting GATEWAY_JWT_MAX_LIFETIME_S: expected an integer between 60 and 31622400, got "315360000"');
  expect(bad({ GATEWAY_JWT_CLOCK_SKEW_S: '3600' })).toBe('Invalid setting GATEWAY_JWT_CLOCK_SKEW_S: expected an integer between 0 and 600, got "3600"');
  expect(bad({ GATEWAY_JWKS_TIMEOUT_MS: '3s' })).toBe('Invalid setting GATEWAY_JWKS_TIMEOUT_MS: expected an integer between 100 and 60000, got "3s"');
});

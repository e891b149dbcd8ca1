import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLFormattedError } from 'graphql';
import { Config } from './config';
import { GatewayContext } from './http/context';
import { createAuthenticator } from './http/authenticate';
import { createRequestHandler } from './http/server';
import { createHttpServer } from './http/http-server';
import { createMetricsHandler } from './http/metrics-server';
import { gatewayPlugin } from './http/graphql-plugin';
import { productionPlugins } from './http/production-errors';
import { createMetrics } from './http/metrics';
import { clientSafe, gatewayValidationRules } from './http/limits';
import { createRateLimiter } from './http/rate-limit';
import { buildGatewaySchema } from './graphql/schema';
import { inputLimitsPlugin } from './graphql/input-limits';
import { loadPack } from './policy/load-pack';
import { Stores } from './stores/open-stores';
import { log } from './log';
import { AccessLogWriter, createGroupCommitWriter } from './audit/log-writer';

/**
 * Assembles the gateway from its parts, given open stores: pack -> schema -> Apollo -> HTTP edge.
 * Used by main.ts and by the integration tests (which pass their own databases).
 */
export interface Gateway {
  server: http.Server;
  /** The metrics listener (GET /metrics only), when config.metricsPort is set; main.ts listens on it. */
  metricsServer: http.Server | null;
  apollo: ApolloServer<GatewayContext>;
  close(): Promise<void>;
}

const KNOWN_CODES = new Set([
  'UNAUTHENTICATED', 'PURPOSE_REQUIRED', 'UNKNOWN_PURPOSE', 'PURPOSE_NOT_PERMITTED', 'FORBIDDEN', 'BAD_USER_INPUT', 'BAD_REQUEST',
  'BATCH_TOO_LARGE', 'NOT_FOUND', 'FORBIDDEN_BY_POLICY', 'STORE_UNAVAILABLE', 'CONSENT_STATE_UNAVAILABLE', 'AUDIT_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Only coded errors reach the client as they are (without a stack, a limit's numbers or a
 * "Did you mean" suggestion: `clientSafe`); anything else becomes a bare INTERNAL_SERVER_ERROR.
 */
export function formatError(raw: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const formatted = clientSafe(raw, error);
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) {
    const { stacktrace: _s, exception: _e, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  log.error('uncoded error reached the client edge', { code: typeof code === 'string' ? code : 'none' });
  return { message: 'Internal error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * `enforce: false` and `logWriter` exist only for `npm run bench`: the same schema and resolvers
 * without the decision wrapper and role rules, and a no-op writer, as the baselines that
 * enforcement and logging are measured against.
 */
export async function createGateway(config: Config, stores: Stores, opts: { enforce: boolean; logWriter?: AccessLogWriter } = { enforce: true }): Promise<Gateway> {
  const pack = loadPack(config.policyPath);
  const schema = buildGatewaySchema({ enforce: opts.enforce });
  const metrics = createMetrics();
  const logWriter = opts.logWriter ?? createGroupCommitWriter(stores.gateway);
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: config.env === 'development',
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM: it drains the access-log writer and closes the stores first.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    // Query limits (src/http/limits.ts): tokens while parsing, the rest with the validation rules.
    parseOptions: { maxTokens: config.queryLimits.maxTokens },
    validationRules: gatewayValidationRules(config.queryLimits, config.maxBatch),
    nodeEnv: config.env,
    formatError,
    // Cache control would wrap every field resolver; personal data is never cacheable anyway.
    // Input limits first (src/graphql/input-limits.ts): an oversized argument is refused before the purpose checks and any resolver.
    // Production: no landing page, validation errors that name no schema element (src/http/production-errors.ts).
    plugins: [inputLimitsPlugin(), gatewayPlugin(schema, metrics, logWriter, { plan: opts.enforce }), ApolloServerPluginCacheControlDisabled(), ...productionPlugins(config.env)],
    logger: { debug: () => undefined, info: () => undefined, warn: (m) => log.warn(String(m)), error: (m) => log.error(String(m)) },
  });
  await apollo.start();
  const server = createHttpServer(
    createRequestHandler({
      apollo, authenticate: createAuthenticator(config), pack, stores, metrics, maxBatch: config.maxBatch, maxBodyBytes: 1_000_000, logWriter,
      queryLimits: config.queryLimits, executionTimeoutMs: config.executionTimeoutMs, rateLimiter: createRateLimiter(config.rateLimit),
      metricsOnApiPort: config.metricsPort === null, sqlStatementsHeader: config.env === 'development',
    }),
    config.http,
  );
  const metricsServer = config.metricsPort === null ? null : createHttpServer(createMetricsHandler(metrics), config.http);
  return {
    server,
    metricsServer,
    apollo,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
      await apollo.stop();
      await logWriter.close();
    },
  };
}

import { GraphQLError, GraphQLErrorOptions } from 'graphql';

/**
 * The one error hierarchy. Every error a client can see is a GatewayError with a fixed
 * `extensions.code` and the HTTP status that fits it. Messages never contain personal-data
 * values: they name settings, headers, fields and categories, never what a field holds.
 */
export const ERROR_CODES = {
  UNAUTHENTICATED: 401,
  /** Production: the identity provider's key set (GATEWAY_JWKS_URL) could not be fetched within GATEWAY_JWKS_TIMEOUT_MS; the token was not judged. */
  AUTH_UNAVAILABLE: 503,
  PURPOSE_REQUIRED: 400,
  UNKNOWN_PURPOSE: 400,
  PURPOSE_NOT_PERMITTED: 403,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  BATCH_TOO_LARGE: 400,
  NOT_FOUND: 404,
  /** The caller's per-replica rate limit is spent; Retry-After says when to retry. */
  RATE_LIMITED: 429,
  /** The GraphQL request did not finish within GATEWAY_EXECUTION_TIMEOUT_MS; no data is returned. */
  REQUEST_TIMEOUT: 503,
  /**
   * The request itself did not arrive in time: its headers within GATEWAY_HEADERS_TIMEOUT_MS or the
   * whole request (body included) within GATEWAY_REQUEST_TIMEOUT_MS; the connection is closed (src/http/http-server.ts).
   */
  HTTP_REQUEST_TIMEOUT: 408,
  /** The request line and headers are over 16 KB (node's parser refused them); the connection is closed. */
  HEADERS_TOO_LARGE: 431,
  /** Field-level: the field is null, the response is 200. */
  FORBIDDEN_BY_POLICY: 200,
  STORE_UNAVAILABLE: 503,
  CONSENT_STATE_UNAVAILABLE: 503,
  AUDIT_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, located?: Pick<GraphQLErrorOptions, 'nodes' | 'path'>) {
    const status = ERROR_CODES[code];
    super(message, {
      ...located,
      extensions: {
        code,
        ...extra,
        // Apollo reads `http` to set the response status and strips it from the body.
        ...(status !== 200 ? { http: { status } } : {}),
      },
    });
    this.code = code;
    this.status = status;
    this.name = 'GatewayError';
  }
}

/**
 * Builds an error without capturing a stack trace. Field-level denials are expected outcomes,
 * thousands per response, and no stack ever reaches a client; capturing one per denial was
 * the largest cost of an enforced request (measured with --cpu-prof).
 */
export function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export const unauthenticated = (why: string) => new GatewayError('UNAUTHENTICATED', `Authentication failed: ${why}`);
export const forbidden = (why: string) => new GatewayError('FORBIDDEN', why);
export const badInput = (why: string) => new GatewayError('BAD_USER_INPUT', why);

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { GatewayContext } from './context';
import { Authenticator, Caller } from './authenticate';
import { ErrorCode, GatewayError } from '../errors';
import { PolicyPack } from '../policy/pack.types';
import { Stores, storesReady } from '../stores/open-stores';
import { createLoaders } from '../stores/loaders';
import { Metrics } from './metrics';
import { requestStats } from './request-context';
import { log } from '../log';
import { AccessLogWriter } from '../audit/log-writer';
import { exportAccessLog } from '../audit/export';
import { handleSubjectExport } from '../rights/export/http';
import { checkQueryLength, QueryLimits } from './limits';
import { RateLimiter } from './rate-limit';

/**
 * The HTTP edge: a small router on node:http in front of Apollo. It owns what happens before
 * GraphQL: caller authentication, body limits and parsing, the purpose headers, the request id.
 * Every failure here is answered with a GraphQL-shaped JSON error carrying a fixed code.
 */
export interface EdgeDeps {
  apollo: ApolloServer<GatewayContext>;
  authenticate: Authenticator;
  pack: PolicyPack;
  stores: Stores;
  metrics: Metrics;
  maxBatch: number;
  maxBodyBytes: number;
  /** The access-log writer, for routes outside GraphQL that record themselves (GET /audit/export). */
  logWriter: AccessLogWriter;
  /** Document length is checked here; the other limits are Apollo's parse options and validation rules. */
  queryLimits: QueryLimits;
  /** A GraphQL request not answered by then gets 503 REQUEST_TIMEOUT and no data. */
  executionTimeoutMs: number;
  /** Per-caller rate limit of authenticated requests; null = off. */
  rateLimiter: RateLimiter | null;
  /** /metrics on this (the API) port: only when no metrics port is configured (development's default; src/http/metrics-server.ts). */
  metricsOnApiPort: boolean;
  /** The x-sql-statements response header (statements a request ran): development only, it tells an outsider how a request was served. */
  sqlStatementsHeader: boolean;
}

export function sendError(res: http.ServerResponse, code: ErrorCode, message: string, requestId: string, extra: Record<string, unknown> = {}): void {
  const e = new GatewayError(code, message);
  send(res, e.status, { errors: [{ message, extensions: { code, ...extra } }] }, requestId);
}

function send(res: http.ServerResponse, status: number, body: unknown, requestId: string, type = 'application/json; charset=utf-8'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'x-request-id': requestId, 'cache-control': 'no-store' });
  res.end(text);
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GatewayError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Narrows the token's roles to those the pack grants the caller; a caller the pack does not list has none. */
function effectiveCaller(caller: Caller, pack: PolicyPack): Caller {
  const entry = pack.callers[caller.id];
  return { id: caller.id, roles: entry ? caller.roles.filter((r) => entry.roles.includes(r)) : [] };
}

const HEADER_VALUE = /^[\x20-\x7e]{1,200}$/;

export function createRequestHandler(deps: EdgeDeps): http.RequestListener {
  return (req, res) => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://localhost');
    handle(req, res, url, requestId).catch((err) => {
      if (err instanceof GatewayError) return sendError(res, err.code, err.message, requestId);
      // The connection went away while the body was read: the client left, or node's request
      // timeout answered 408 HTTP_REQUEST_TIMEOUT and closed it (src/http/http-server.ts).
      if (req.destroyed && (err as NodeJS.ErrnoException).code === 'ECONNRESET') return log.info('request ended before its body arrived', { requestId });
      log.error('unhandled request error', { requestId, error: err instanceof Error ? err.name : 'unknown' });
      if (!res.headersSent) sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal error', requestId);
    });
  };

  /** The verified caller, counted against its rate limit (429 RATE_LIMITED with Retry-After when spent). */
  async function authenticated(req: http.IncomingMessage, res: http.ServerResponse): Promise<Caller> {
    const caller = effectiveCaller(await deps.authenticate(req.headers.authorization), deps.pack);
    const wait = deps.rateLimiter?.take(caller.id) ?? 0;
    if (wait > 0) {
      res.setHeader('retry-after', String(wait));
      throw new GatewayError('RATE_LIMITED', 'Too many requests from this caller: retry after the Retry-After delay');
    }
    return caller;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, requestId: string): Promise<void> {
    if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' }, requestId);
    if (url.pathname === '/readyz') {
      const stores = await storesReady(deps.stores);
      const ready = Object.values(stores).every((s) => s === 'ok');
      return send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', stores }, requestId);
    }
    if (url.pathname === '/metrics' && deps.metricsOnApiPort) return send(res, 200, await deps.metrics.registry.metrics(), requestId, deps.metrics.registry.contentType);
    if (url.pathname === '/audit/export') {
      if (req.method !== 'GET') return notAllowed(res, 'GET', 'Use GET', requestId);
      const caller = await authenticated(req, res);
      return exportAccessLog({
        res, url, requestId, caller, justification: headerValue(req, 'x-justification'), clientAddress: req.socket.remoteAddress ?? null,
        policyHash: deps.pack.hash, now: new Date(), gateway: deps.stores.gateway, logWriter: deps.logWriter,
      });
    }
    const subjectExport = /^\/subjects\/([^/]+)\/export$/.exec(url.pathname);
    if (subjectExport) {
      if (req.method !== 'GET') return notAllowed(res, 'GET', 'Use GET', requestId);
      const caller = await authenticated(req, res);
      return handleSubjectExport({
        req, res, url, rawCustomerId: subjectExport[1], requestId, caller, purposeHeader: headerValue(req, 'x-purpose'), justification: headerValue(req, 'x-justification'),
        clientAddress: req.socket.remoteAddress ?? null, pack: deps.pack, stores: deps.stores, logWriter: deps.logWriter, metrics: deps.metrics,
      });
    }
    if (url.pathname !== '/graphql') return sendError(res, 'NOT_FOUND', `No route ${url.pathname}`, requestId);
    if (req.method !== 'POST' && req.method !== 'GET') return notAllowed(res, 'GET, POST', 'Use POST (or GET for queries)', requestId);

    const caller = await authenticated(req, res);
    const purpose = headerValue(req, 'x-purpose');
    const justification = headerValue(req, 'x-justification');

    let body: unknown;
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json' && type !== 'application/graphql-response+json') {
        return sendError(res, 'UNSUPPORTED_MEDIA_TYPE', 'Send the request as application/json', requestId);
      }
      const raw = await readBody(req, deps.maxBodyBytes);
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
      } catch {
        return sendError(res, 'BAD_REQUEST', 'The request body is not valid UTF-8 JSON', requestId);
      }
      if (Array.isArray(body)) return sendError(res, 'BAD_REQUEST', 'Batched requests are not supported', requestId);
      if (body !== null && typeof body === 'object') checkQueryLength((body as { query?: unknown }).query, deps.queryLimits);
    } else {
      checkQueryLength(url.searchParams.get('query'), deps.queryLimits);
    }

    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const context: GatewayContext = {
      requestId, caller, purposeHeader: purpose, justification,
      clientAddress: req.socket.remoteAddress ?? null,
      pack: deps.pack, now: new Date(), stores: deps.stores, loaders: createLoaders(deps.stores), maxBatch: deps.maxBatch,
      purpose: null, plan: null, states: new Map(), decisions: [], decisionCache: new Map(), retentionCutoffs: [], denials: [], logEntries: new Map(),
    };
    const stats = { sqlStatements: 0 };
    const execution = requestStats.run(stats, () =>
      deps.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method!, headers, search: url.search, body },
        context: async () => context,
      }),
    );
    const result = await withinTimeout(execution, deps.executionTimeoutMs);
    if (result === TIMED_OUT) {
      // graphql-js cannot abort an execution: it runs to its end (its decisions are still logged),
      // but its result is dropped. The client gets no data, only the coded error.
      execution.catch(() => undefined);
      log.warn('request timed out', { requestId, caller: caller.id, ms: deps.executionTimeoutMs });
      return sendError(res, 'REQUEST_TIMEOUT', 'The request did not finish in time; no data is returned', requestId);
    }
    res.statusCode = result.status ?? 200;
    for (const [k, v] of result.headers) res.setHeader(k, v);
    res.setHeader('x-request-id', requestId);
    if (deps.sqlStatementsHeader) res.setHeader('x-sql-statements', String(stats.sqlStatements));
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }
}

const TIMED_OUT = Symbol('timed out');

function withinTimeout<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** 405 with the Allow header the status requires (RFC 9110 15.5.6). */
function notAllowed(res: http.ServerResponse, allow: string, message: string, requestId: string): void {
  res.setHeader('allow', allow);
  sendError(res, 'METHOD_NOT_ALLOWED', message, requestId);
}

function headerValue(req: http.IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  if (v === undefined) return null;
  const s = Array.isArray(v) ? v[0] : v;
  if (s.trim() === '') return null;
  if (!HEADER_VALUE.test(s)) throw new GatewayError('BAD_REQUEST', `${name} must be printable ASCII, at most 200 characters`);
  return s.trim();
}

import http from 'node:http';
import { write } from '../http/stream-write';
import { DataSource } from 'typeorm';
import { Caller } from '../http/authenticate';
import { GatewayError } from '../errors';
import { AccessLogWriter } from './log-writer';
import { AccessLogEntry, accessLogReadRecord, AccessLogFilter, decodeCursor, FILTER_KEYS, READ_SETTINGS, scanAccessLog, validateFilter } from './queries';
import { log, errorFields } from '../log';
import { allowLongStatements } from '../stores/statement-bound';

/**
 * GET /audit/export?customerId=&caller=&purpose=&category=&field=&effect=&reason=&from=&to=
 * (role auditor): the access-log entries matching the filters (same meaning as accessLog's),
 * oldest first, as NDJSON (one JSON object per line, the fields of AccessLogEntry).
 *
 * - Before anything is streamed, the export itself is committed to the access log through the
 *   writer (type AccessLog, path auditExport); if that fails: 503 AUDIT_UNAVAILABLE, no rows.
 * - The rows are read in keyset pages of PAGE_ROWS inside one REPEATABLE READ, READ ONLY
 *   transaction: the export is the log exactly as it stood at one instant (entries committed
 *   later, even with an earlier `at`, are neither half-included nor skipped between pages), and
 *   memory holds one page whatever the size of the result. Writing waits for the client to drain.
 * - Errors before the first byte are coded JSON (thrown GatewayErrors, answered by server.ts);
 *   a failure mid-stream destroys the connection, so a client never mistakes a cut export for a
 *   complete one (curl exits non-zero).
 */
export const PAGE_ROWS = 5_000;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export interface ExportRequest {
  res: http.ServerResponse;
  url: URL;
  requestId: string;
  caller: Caller;
  justification: string | null;
  clientAddress: string | null;
  policyHash: string;
  now: Date;
  gateway: DataSource;
  logWriter: AccessLogWriter;
}

/** The query string as a filter: each known parameter at most once, dates as ISO 8601 (a bare date is UTC midnight). */
export function filterFromQuery(params: URLSearchParams): AccessLogFilter {
  const raw: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    if (!(FILTER_KEYS as readonly string[]).includes(key)) throw new GatewayError('BAD_USER_INPUT', `unknown query parameter; the filters are ${FILTER_KEYS.join(', ')}`);
    const values = params.getAll(key);
    if (values.length > 1) throw new GatewayError('BAD_USER_INPUT', `${key} is given more than once`);
    const v = values[0];
    if (key === 'from' || key === 'to') {
      if (!DATE_TIME.test(v)) throw new GatewayError('BAD_USER_INPUT', `${key} must be an ISO 8601 date or date-time with a time zone`);
      raw[key] = new Date(v.length === 10 ? `${v}T00:00:00Z` : v);
    } else {
      raw[key] = v;
    }
  }
  return validateFilter(raw);
}

const line = (e: AccessLogEntry): string =>
  JSON.stringify({
    id: e.id, at: e.at.toISOString(), loggedAt: e.loggedAt.toISOString(), batchId: e.batchId, requestId: e.requestId, caller: e.caller, roles: e.roles,
    purpose: e.purpose, justification: e.justification, clientAddress: e.clientAddress, policyHash: e.policyHash, customerId: e.customerId,
    typeName: e.typeName, fieldPath: e.fieldPath, fields: e.fields, category: e.category, effect: e.effect, reason: e.reason, rule: e.rule,
  }) + '\n';


export async function exportAccessLog(r: ExportRequest): Promise<void> {
  if (!r.caller.roles.includes('auditor')) throw new GatewayError('FORBIDDEN', 'The caller\'s roles do not allow this operation');
  const filter = filterFromQuery(r.url.searchParams);

  try {
    await r.logWriter.append(
      { requestId: r.requestId, caller: r.caller.id, roles: r.caller.roles, purpose: null, justification: r.justification, clientAddress: r.clientAddress, policyHash: r.policyHash, at: r.now },
      [accessLogReadRecord('auditExport', filter, r.caller.roles)],
    );
  } catch (err) {
    log.error('access log write failed; export refused', { requestId: r.requestId, error: (err as { code?: string }).code ?? 'unknown' });
    throw new GatewayError('AUDIT_UNAVAILABLE', 'The access log could not be written; nothing is exported');
  }

  const qr = r.gateway.createQueryRunner();
  let began = false;
  try {
    try {
      await qr.connect();
      await qr.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      began = true;
      await qr.query(READ_SETTINGS);
    } catch {
      throw new GatewayError('STORE_UNAVAILABLE', 'The access log could not be read');
    }
    // The server answered: the pages (a filter no index serves scans the log) get the exports'
    // longer statement bound, GATEWAY_EXPORT_STATEMENT_TIMEOUT_MS (src/stores/statement-bound.ts).
    allowLongStatements(qr);
    let page = await readPage(qr, filter, null);
    r.res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'x-request-id': r.requestId, 'cache-control': 'no-store' });
    let rows = 0;
    try {
      for (;;) {
        if (page.entries.length) await write(r.res, page.entries.map(line).join(''));
        rows += page.entries.length;
        if (!page.hasNextPage) break;
        const last = page.entries[page.entries.length - 1];
        page = await readPage(qr, filter, last);
      }
      r.res.end();
      log.info('access log exported', { requestId: r.requestId, rows });
    } catch (err) {
      log.error('access log export cut short', { requestId: r.requestId, rows, ...errorFields(err) });
      r.res.destroy();
    }
  } finally {
    if (began) await qr.query('ROLLBACK').catch(() => undefined);
    await qr.release();
  }
}

async function readPage(qr: { query(sql: string, params?: unknown[]): Promise<unknown> }, filter: AccessLogFilter, last: AccessLogEntry | null) {
  try {
    return await scanAccessLog(qr, filter, 'oldest', PAGE_ROWS, last ? decodeCursor(last.cursor) : null);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('STORE_UNAVAILABLE', 'The access log could not be read');
  }
}

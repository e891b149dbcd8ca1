import http from 'node:http';
import { write } from '../../http/stream-write';
import { Caller } from '../../http/authenticate';
import { ErrorCode, ERROR_CODES, GatewayError } from '../../errors';
import { PolicyPack } from '../../policy/pack.types';
import { Stores } from '../../stores/open-stores';
import { AccessLogWriter } from '../../audit/log-writer';
import { DecisionRecord } from '../../audit/decision-record';
import { Metrics } from '../../http/metrics';
import { CUSTOMER_ID } from '../customer-state.service';
import { log, errorFields } from '../../log';
import { openSubjectExport, SubjectExport } from './collect';
import { JsonRenderer } from './render-json';
import { HtmlRenderer } from './render-html';

/**
 * GET /subjects/{id}/export?format=json|html (role dpo, X-Purpose: data_subject_request): the
 * right-to-access export of one customer, streamed.
 *
 * In order, as the GraphQL path checks them: purpose declared, known and registered for the
 * caller (400 PURPOSE_REQUIRED, 400 UNKNOWN_PURPOSE, 403 PURPOSE_NOT_PERMITTED), role dpo
 * (403 FORBIDDEN), the purpose is data_subject_request (403 PURPOSE_NOT_PERMITTED), id and format
 * (400 BAD_USER_INPUT), the customer exists (404 NOT_FOUND). Then the snapshots are opened and
 * the export is committed to the access log (one entry per category exported); if that fails,
 * 503 AUDIT_UNAVAILABLE and nothing is sent. Only then is the first byte written.
 *
 * Errors before the first byte are coded JSON like every other error of the edge. A failure
 * mid-stream destroys the connection, so a client never takes a cut export for a whole one.
 */
export const EXPORT_PURPOSE = 'data_subject_request';
const FORMATS = ['json', 'html'] as const;
type Format = (typeof FORMATS)[number];

export interface SubjectExportRequest {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  /** The `{id}` path segment as sent (still percent-encoded). */
  rawCustomerId: string;
  requestId: string;
  /** Authenticated, roles narrowed to those the pack grants. */
  caller: Caller;
  purposeHeader: string | null;
  justification: string | null;
  clientAddress: string | null;
  pack: PolicyPack;
  stores: Stores;
  logWriter: AccessLogWriter;
  metrics?: Metrics;
}

/** The access-log entry for one exported category. */
export function exportRecord(customerId: string, category: string): DecisionRecord {
  return { customerId, typeName: 'SubjectExport', recordPath: 'export', fields: [], category, effect: 'ALLOW', reason: null, rule: `purposes.${EXPORT_PURPOSE}` };
}

/** Purpose and role checks shared with the GraphQL query, in the order the GraphQL path makes them. */
export function checkExportCaller(pack: PolicyPack, caller: Caller, purposeHeader: string | null): void {
  if (purposeHeader === null) throw new GatewayError('PURPOSE_REQUIRED', 'This operation reads personal data: declare a purpose in the X-Purpose header');
  if (!pack.purposes[purposeHeader]) throw new GatewayError('UNKNOWN_PURPOSE', 'X-Purpose names no purpose of the policy pack in force', { purpose: purposeHeader });
  const entry = pack.callers[caller.id];
  if (!entry || !entry.purposes.includes(purposeHeader)) throw new GatewayError('PURPOSE_NOT_PERMITTED', 'The caller is not registered for this purpose', { purpose: purposeHeader });
  if (!caller.roles.includes('dpo')) throw new GatewayError('FORBIDDEN', 'The caller\'s roles do not allow this operation');
  checkExportPurpose(purposeHeader);
}

export function checkExportPurpose(purpose: string | null | undefined): void {
  if (purpose !== EXPORT_PURPOSE) {
    throw new GatewayError('PURPOSE_NOT_PERMITTED', `The subject export is made only for the purpose ${EXPORT_PURPOSE}`, { purpose: purpose ?? null });
  }
}

export function checkCustomerId(id: string): void {
  if (!CUSTOMER_ID.test(id)) throw new GatewayError('BAD_USER_INPUT', 'customerId is not a customer id');
}

function parseFormat(params: URLSearchParams): Format {
  for (const key of new Set(params.keys())) if (key !== 'format') throw new GatewayError('BAD_USER_INPUT', 'unknown query parameter; the only one is format');
  const values = params.getAll('format');
  if (values.length > 1) throw new GatewayError('BAD_USER_INPUT', 'format is given more than once');
  const f = values[0] ?? 'json';
  if (!(FORMATS as readonly string[]).includes(f)) throw new GatewayError('BAD_USER_INPUT', 'format must be json or html');
  return f as Format;
}

function sendCoded(res: http.ServerResponse, requestId: string, err: GatewayError): void {
  const { http: _http, ...extensions } = err.extensions as Record<string, unknown>;
  const body = JSON.stringify({ errors: [{ message: err.message, extensions }] });
  res.writeHead(ERROR_CODES[err.code as ErrorCode], { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId, 'cache-control': 'no-store' });
  res.end(body);
}

/** Writes a chunk, waiting for the client to drain when the socket buffer is full. */
export { write } from '../../http/stream-write';

/** Renders every part of an open export through `out`, in order; returns the number of records. */
export async function renderExport(x: SubjectExport, renderer: JsonRenderer | HtmlRenderer, out: (chunk: string) => Promise<void> | void): Promise<number> {
  let records = 0;
  await out(renderer.start(x.head));
  for await (const part of x.parts()) {
    if (part.kind === 'records') records += part.records.length;
    const text = renderer.part(part);
    if (text) await out(text);
  }
  await out(renderer.end());
  return records;
}

export async function handleSubjectExport(r: SubjectExportRequest): Promise<void> {
  const started = process.hrtime.bigint();
  const done = (outcome: string) => r.metrics?.observe('export:subject', outcome, Number(process.hrtime.bigint() - started) / 1e9);
  let x: SubjectExport | null = null;
  let format: Format;
  try {
    if (r.req.method !== 'GET') throw new GatewayError('METHOD_NOT_ALLOWED', 'Use GET');
    checkExportCaller(r.pack, r.caller, r.purposeHeader);
    let customerId: string;
    try {
      customerId = decodeURIComponent(r.rawCustomerId);
    } catch {
      throw new GatewayError('BAD_USER_INPUT', 'customerId is not a customer id');
    }
    checkCustomerId(customerId);
    format = parseFormat(r.url.searchParams);
    const now = new Date();
    x = await openSubjectExport({ stores: r.stores, pack: r.pack, now, requestId: r.requestId }, customerId);
    if (!x) throw new GatewayError('NOT_FOUND', 'No customer with this id', { customerId });
    const records = x.exportedCategories.map((c) => exportRecord(customerId, c));
    try {
      await r.logWriter.append(
        { requestId: r.requestId, caller: r.caller.id, roles: r.caller.roles, purpose: EXPORT_PURPOSE, justification: r.justification, clientAddress: r.clientAddress, policyHash: r.pack.hash, at: now },
        records,
      );
      r.metrics?.decided('ALLOW', records.length);
    } catch (err) {
      log.error('access log write failed; export refused', { requestId: r.requestId, error: (err as { code?: string }).code ?? 'unknown' });
      throw new GatewayError('AUDIT_UNAVAILABLE', 'The access log could not be written; no personal data is returned');
    }
  } catch (err) {
    await x?.close();
    if (!(err instanceof GatewayError)) throw err;
    done(err.code.toLowerCase());
    return sendCoded(r.res, r.requestId, err);
  }

  const headers: http.OutgoingHttpHeaders = {
    'x-request-id': r.requestId, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff',
  };
  if (format === 'json') {
    Object.assign(headers, { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="subject-export-${x.head.subject.customerId}.json"` });
  } else {
    Object.assign(headers, {
      'content-type': 'text/html; charset=utf-8',
      'content-disposition': `inline; filename="subject-export-${x.head.subject.customerId}.html"`,
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    });
  }
  let bytes = 0;
  try {
    r.res.writeHead(200, headers);
    const records = await renderExport(x, format === 'json' ? new JsonRenderer() : new HtmlRenderer(), (chunk) => {
      bytes += Buffer.byteLength(chunk);
      return write(r.res, chunk);
    });
    r.res.end();
    done('ok');
    // Identifiers and counts only, never a value.
    log.info('subject export', { requestId: r.requestId, caller: r.caller.id, format, categories: x.exportedCategories.length, records, bytes, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6) });
  } catch (err) {
    done('cut_short');
    log.error('subject export cut short', { requestId: r.requestId, bytes, ...errorFields(err) });
    r.res.destroy();
  } finally {
    await x.close();
  }
}

import { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import {
  DocumentNode, FieldNode, FragmentDefinitionNode, getLocation, GraphQLError, GraphQLFormattedError, GraphQLSchema, Kind, OperationDefinitionNode,
  SelectionSetNode, SourceLocation,
} from 'graphql';
import { GatewayContext } from './context';
import { GatewayError } from '../errors';
import { planFor, requestedCategories } from '../graphql/plan';
import { AccessLogWriter } from '../audit/log-writer';
import { Metrics } from './metrics';
import { log } from '../log';

/** In order of precedence: the stores are read first, then the state, and the log is written last. */
export const UNAVAILABLE_CODES = ['STORE_UNAVAILABLE', 'CONSENT_STATE_UNAVAILABLE', 'AUDIT_UNAVAILABLE'] as const;

/** With STATEMENT_TIMEOUT: a statement the store did not answer within its bound (src/stores/statement-bound.ts). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'STATEMENT_TIMEOUT']);
/** SQLSTATE: connection exceptions (class 08), shutdown / cannot connect now (57P01-3), too many connections, database not accepting connections. */
const UNREACHABLE_SQLSTATES = /^(08...|57P0[123]|53300|55000)$/;
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|Client was closed and is not queryable/;

/**
 * A database that could not be reached, seen as the driver's own error: a code path that did not
 * turn it into a coded error. Answered as STORE_UNAVAILABLE (503) rather than a 500.
 */
export function isConnectionFailure(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const { code, message, originalError, driverError } = e as { code?: unknown; message?: unknown; originalError?: unknown; driverError?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNREACHABLE_SQLSTATES.test(code))) return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)) return true;
    e = originalError ?? driverError;
  }
  return false;
}

/** Document order: shallower first, then by position in the query, then by list index. */
function earlier(a: GraphQLError, b: GraphQLError): number {
  const pa = a.path ?? [];
  const pb = b.path ?? [];
  if (pa.length !== pb.length) return pa.length - pb.length;
  const la = a.locations?.[0];
  const lb = b.locations?.[0];
  if (la && lb && (la.line !== lb.line || la.column !== lb.column)) return la.line - lb.line || la.column - lb.column;
  for (let i = 0; i < pa.length; i++) {
    if (pa[i] === pb[i]) continue;
    return typeof pa[i] === 'number' && typeof pb[i] === 'number' ? (pa[i] as number) - (pb[i] as number) : String(pa[i]) < String(pb[i]) ? -1 : 1;
  }
  return 0;
}

/** Where the root field with this response key is written in the operation (through fragments too). */
function rootFieldLocations(document: DocumentNode | undefined, operation: OperationDefinitionNode | undefined, key: string): SourceLocation[] | undefined {
  if (!document || !operation) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const seen = new Set<string>();
  const find = (set: SelectionSetNode): FieldNode | undefined => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if ((sel.alias ?? sel.name).value === key) return sel;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const f = find(sel.selectionSet);
        if (f) return f;
      } else if (!seen.has(sel.name.value) && fragments.has(sel.name.value)) {
        seen.add(sel.name.value);
        const f = find(fragments.get(sel.name.value)!.selectionSet);
        if (f) return f;
      }
    }
    return undefined;
  };
  const field = find(operation.selectionSet);
  return field?.loc ? [getLocation(field.loc.source, field.loc.start)] : undefined;
}

/**
 * The one error a 503 answer carries, or null if no dependency was unavailable: the highest code
 * in UNAVAILABLE_CODES that occurred, from the error first in the document, placed at its root
 * field (the field that could not be answered). Nested lists fail in whatever order their loaders
 * do, and graphql-js reports only the first sibling to fail; naming the root field gives the same
 * outage and query the same answer every time.
 */
function unavailableError(rc: GraphQLRequestContext<GatewayContext>): GraphQLFormattedError | null {
  const raw = rc.errors;
  if (!raw?.length) return null;
  const found = raw.map((e): { code: string; raw: GraphQLError; message: string } | null => {
    const code = e.extensions?.code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES as readonly string[]).includes(code)) return { code, raw: e, message: e.message };
    // Driver messages are never shown: a fixed one instead.
    if (isConnectionFailure(e)) return { code: 'STORE_UNAVAILABLE', raw: e, message: 'A store is unavailable' };
    return null;
  });
  for (const code of UNAVAILABLE_CODES) {
    const hits = found.filter((f): f is NonNullable<typeof f> => f?.code === code);
    if (!hits.length) continue;
    const { raw: first, message } = hits.sort((a, b) => earlier(a.raw, b.raw))[0];
    const root = first.path?.[0];
    if (root === undefined) return { message, extensions: { code } };
    const locations = rootFieldLocations(rc.document, rc.operation, String(root));
    return { message, ...(locations ? { locations } : {}), path: [root], extensions: { code } };
  }
  return null;
}

/**
 * The pipeline stages that sit around execution:
 *  - plan (didResolveOperation): which categories the operation asks for; purpose checks
 *    (PURPOSE_REQUIRED, UNKNOWN_PURPOSE, PURPOSE_NOT_PERMITTED) before any store is read;
 *  - respond (willSendResponse): the errors of denied fields are appended to the response's;
 *  - log (willSendResponse): every decision is committed to the access log before the response
 *    leaves; if that fails the response is replaced by AUDIT_UNAVAILABLE with no data.
 *  - fail closed (willSendResponse): if a store, the customer state or the log could not be
 *    reached anywhere in the operation, the answer is 503 with ONE coded error and no data
 *    (every root field null), and nothing is logged since nothing is disclosed. The code is the
 *    first in UNAVAILABLE_CODES that occurred, so an outage always gets the same answer.
 */
export function gatewayPlugin(schema: GraphQLSchema, metrics: Metrics, logWriter: AccessLogWriter, opts: { plan: boolean } = { plan: true }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let operation = 'unknown';
      return {
        async didResolveOperation(rc) {
          const op = rc.operation;
          if (!op) return;
          if (!opts.plan) return; // bench baseline only
          const first = op.selectionSet.selections.find((s) => s.kind === 'Field');
          operation = `${op.operation}:${first && first.kind === 'Field' ? first.name.value : 'fragment'}`;
          const ctx = rc.contextValue;
          const { categories, personalRoot } = requestedCategories(schema, rc.document, op);
          const purposeKey = ctx.purposeHeader;
          const needsPurpose = personalRoot || categories.size > 0;
          if (purposeKey === null) {
            if (needsPurpose) throw new GatewayError('PURPOSE_REQUIRED', 'This operation reads personal data: declare a purpose in the X-Purpose header');
            return;
          }
          const purpose = ctx.pack.purposes[purposeKey];
          if (!purpose) throw new GatewayError('UNKNOWN_PURPOSE', 'X-Purpose names no purpose of the policy pack in force', { purpose: purposeKey });
          const entry = ctx.pack.callers[ctx.caller.id];
          if (!entry || !entry.purposes.includes(purposeKey)) {
            throw new GatewayError('PURPOSE_NOT_PERMITTED', 'The caller is not registered for this purpose', { purpose: purposeKey });
          }
          ctx.purpose = purpose;
          ctx.plan = planFor(categories, purpose);
        },

        async willSendResponse(rc: GraphQLRequestContext<GatewayContext>) {
          const ctx = rc.contextValue;
          const body = rc.response.body;
          // Field refusals are the policy working, not failures: counted apart from errors.
          const errors = rc.errors ?? (body?.kind === 'single' ? body.singleResult.errors : undefined) ?? [];
          let outcome = errors.length ? 'error' : ctx.denials.length ? 'refused' : 'ok';
          const unavailable = body?.kind === 'single' ? unavailableError(rc) : null;
          // Denied fields are null in the data; their errors join the response's (denial-error.ts).
          if (!unavailable && ctx.denials.length && body?.kind === 'single') body.singleResult.errors = body.singleResult.errors ? [...body.singleResult.errors, ...ctx.denials] : ctx.denials;
          if (unavailable && body?.kind === 'single') {
            // Fail closed: no data (what resolved before the failure is dropped), one coded error.
            const data = body.singleResult.data;
            rc.response.body = {
              kind: 'single',
              singleResult: { data: data ? Object.fromEntries(Object.keys(data).map((k) => [k, null])) : data, errors: [unavailable] },
            };
            rc.response.http.status = 503;
            outcome = 'unavailable';
            log.warn('dependency unavailable; response withheld', { requestId: ctx.requestId, code: unavailable.extensions?.code });
          } else if (ctx.decisions.length) {
            try {
              await logWriter.append({
                requestId: ctx.requestId, caller: ctx.caller.id, roles: ctx.caller.roles, purpose: ctx.purpose?.key ?? null,
                justification: ctx.justification, clientAddress: ctx.clientAddress, policyHash: ctx.pack.hash, at: ctx.now,
              }, ctx.decisions);
              for (const effect of ['ALLOW', 'MASK', 'DENY']) metrics.decided(effect, ctx.decisions.filter((d) => d.effect === effect).length);
            } catch (err) {
              log.error('access log write failed; response withheld', { requestId: ctx.requestId, error: (err as { code?: string }).code ?? 'unknown' });
              const e = new GatewayError('AUDIT_UNAVAILABLE', 'The access log could not be written; no personal data is returned');
              rc.response.body = { kind: 'single', singleResult: { errors: [{ message: e.message, extensions: { code: e.code } }] } };
              rc.response.http.status = 503;
              outcome = 'audit_unavailable';
            }
          }
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.observe(operation, outcome, seconds);
          // One line per request: identifiers and counts only, never a value.
          log.info('request', {
            requestId: ctx.requestId, caller: ctx.caller.id, purpose: ctx.purpose?.key ?? null, operation, outcome,
            status: rc.response.http.status ?? 200, decisions: ctx.decisions.length, ms: Math.round(seconds * 1000),
          });
        },
      };
    },
  };
}

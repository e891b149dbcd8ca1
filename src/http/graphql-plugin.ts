import { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { GraphQLSchema } from 'graphql';
import { GatewayContext } from './context';
import { GatewayError } from '../errors';
import { planFor, requestedCategories } from '../graphql/plan';
import { AccessLogWriter } from '../audit/log-writer';
import { Metrics } from './metrics';
import { log } from '../log';

/**
 * The pipeline stages that sit around execution:
 *  - plan (didResolveOperation): which categories the operation asks for; purpose checks
 *    (PURPOSE_REQUIRED, UNKNOWN_PURPOSE, PURPOSE_NOT_PERMITTED) before any store is read;
 *  - log (willSendResponse): every decision is committed to the access log before the response
 *    leaves; if that fails the response is replaced by AUDIT_UNAVAILABLE with no data.
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
          let outcome = rc.errors?.length || (body?.kind === 'single' && body.singleResult.errors?.length) ? 'error' : 'ok';
          if (ctx.decisions.length) {
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

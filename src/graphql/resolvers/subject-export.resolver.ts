import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { GatewayContext } from '../../http/context';
import { GatewayError } from '../../errors';
import { PERSONAL_ROOT_FIELDS } from '../plan';
import { openSubjectExport } from '../../rights/export/collect';
import { JsonRenderer } from '../../rights/export/render-json';
import { checkCustomerId, checkExportPurpose, exportRecord, renderExport } from '../../rights/export/http';

/**
 * subjectExport (role dpo, X-Purpose: data_subject_request): the right-to-access export of one
 * customer as one JSON object, the same document as `GET /subjects/{id}/export` (it is rendered
 * by the same code and parsed back), for structured use. Unlike the HTTP route it is built in
 * memory; for a customer with a long history, use the route, which streams.
 *
 * The export reads personal data whatever is selected, so the plan stage must require and check
 * X-Purpose for it as it does for `customer`: registered here, next to the field it is about.
 * Every exported category is recorded in ctx.decisions, which the plugin commits to the access
 * log before the response leaves (AUDIT_UNAVAILABLE and no data if it cannot).
 */
PERSONAL_ROOT_FIELDS.add('subjectExport');

@Resolver()
export class SubjectExportResolver {
  @Query(() => GraphQLJSONObject, { description: 'The right-to-access export of one customer (docs/subject-export.schema.json). Roles: dpo; X-Purpose: data_subject_request.' })
  async subjectExport(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: GatewayContext): Promise<Record<string, unknown>> {
    checkExportPurpose(ctx.purpose?.key);
    checkCustomerId(customerId);
    const x = await openSubjectExport({ stores: ctx.stores, pack: ctx.pack, now: ctx.now, requestId: ctx.requestId }, customerId);
    if (!x) throw new GatewayError('NOT_FOUND', 'No customer with this id', { customerId });
    try {
      const chunks: string[] = [];
      await renderExport(x, new JsonRenderer(), (chunk) => {
        chunks.push(chunk);
      });
      const doc = JSON.parse(chunks.join('')) as Record<string, unknown>;
      for (const c of x.exportedCategories) ctx.decisions.push(exportRecord(customerId, c));
      return doc;
    } finally {
      await x.close();
    }
  }
}

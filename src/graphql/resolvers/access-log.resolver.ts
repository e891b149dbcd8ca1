import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { GatewayContext } from '../../http/context';
import { AccessLogConnection, AccessLogEntry, AccessLogFilterInput, AccessStat, AccessStatsGroupBy } from '../types/access-log.type';
import { EffectEnum } from '../types/customer-state.type';
import { AccessLogFilter, accessLogReadRecord, accessStats, queryAccessLog, validateFilter } from '../../audit/queries';
import { GatewayError } from '../../errors';

/**
 * The security-team API over the access log (roles: auditor; a DPO may read `accessLog` for one
 * customer, see roles.ts). No X-Purpose: the operations select no tagged field. Every read of the
 * log is itself an entry of the log (type `AccessLog`, category `access_log`), pushed once the read
 * succeeded and written before the response leaves (AUDIT_UNAVAILABLE, no entries, if it cannot be).
 */

function filterOf(input: AccessLogFilterInput | null | undefined): AccessLogFilter {
  // Input objects arrive as class instances; only the declared filters are read.
  const f = input ?? {};
  return validateFilter({
    customerId: f.customerId, caller: f.caller, purpose: f.purpose, category: f.category, field: f.field,
    effect: f.effect, reason: f.reason, from: f.from, to: f.to,
  });
}

function toGraphQL(e: Awaited<ReturnType<typeof queryAccessLog>>['entries'][number]): AccessLogEntry {
  const { cursor: _cursor, effect, ...rest } = e;
  return { ...rest, effect: effect as EffectEnum };
}

@Resolver()
export class AccessLogResolver {
  @Query(() => AccessLogConnection, { description: 'Access-log entries, newest first, keyset-paged (roles: auditor; dpo with filter.customerId)' })
  async accessLog(
    @Arg('filter', () => AccessLogFilterInput, { nullable: true }) filterInput: AccessLogFilterInput | null,
    @Arg('first', () => Int, { defaultValue: 50, description: '1 to 500' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page' }) after: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccessLogConnection> {
    const filter = filterOf(filterInput);
    let page;
    try {
      page = await queryAccessLog(ctx.stores.gateway, filter, first ?? 50, after ?? null);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('STORE_UNAVAILABLE', 'The access log could not be read');
    }
    ctx.decisions.push(accessLogReadRecord('accessLog', filter, ctx.caller.roles));
    return {
      edges: page.entries.map((e) => ({ cursor: e.cursor, node: toGraphQL(e) })),
      pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
    };
  }

  @Query(() => [AccessStat], { description: 'Access-log entries counted per group, most first (role: auditor)' })
  async accessStats(
    @Arg('groupBy', () => AccessStatsGroupBy) groupBy: AccessStatsGroupBy,
    @Arg('filter', () => AccessLogFilterInput, { nullable: true }) filterInput: AccessLogFilterInput | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<AccessStat[]> {
    const filter = filterOf(filterInput);
    let stats;
    try {
      stats = await accessStats(ctx.stores.gateway, groupBy, filter);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError('STORE_UNAVAILABLE', 'The access log could not be read');
    }
    ctx.decisions.push(accessLogReadRecord('accessStats', filter, ctx.caller.roles));
    return stats;
  }
}

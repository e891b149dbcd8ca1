import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { GatewayContext } from '../../http/context';
import { GatewayError } from '../../errors';
import { GrantConsentInput, StateEventView } from '../types/customer-state.type';
import { appendEvent, assertCustomerExists, assertMayRecordFor, checkCategory, purposeOf } from '../../rights/customer-state.service';
import { SOURCES } from '../../stores/provenance';
import { INPUT_LIMITS, MaxLength } from '../input-limits';

/**
 * Customer-state operations: grant and withdraw consent, record and remove objections, restrict
 * and lift restrictions, read the history. Roles are checked by graphql-shield (roles.ts); which
 * purposes a service may touch is checked here.
 */
const camel = (r: Record<string, unknown>): StateEventView => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return { action: null, purpose: null, category: null, givenBy: null, explicit: null, expiresAt: null, source: null, reason: null, ...out } as StateEventView;
};

@Resolver()
export class CustomerStateResolver {
  @Mutation(() => StateEventView, { description: 'Record a consent (roles: dpo, or a service registered for that consent-based purpose)' })
  async grantConsent(@Arg('input', () => GrantConsentInput) input: GrantConsentInput, @Ctx() ctx: GatewayContext): Promise<StateEventView> {
    const purpose = purposeOf(ctx, input.purpose);
    assertMayRecordFor(ctx, purpose, 'consent');
    if (!(SOURCES as readonly string[]).includes(input.source)) throw new GatewayError('BAD_USER_INPUT', `source must be one of ${SOURCES.join(', ')}`);
    if (input.expiresAt && input.expiresAt <= new Date()) throw new GatewayError('BAD_USER_INPUT', 'expiresAt must be in the future');
    await assertCustomerExists(ctx, input.customerId);
    const row = await appendEvent(ctx.stores.gateway, 'consent_events', {
      customer_id: input.customerId, purpose: purpose.key, action: 'grant', given_by: input.givenBy, explicit: input.explicit,
      expires_at: input.expiresAt ?? null, source: input.source, recorded_by: ctx.caller.id,
    });
    return { ...camel(row), kind: 'consent' };
  }

  @Mutation(() => StateEventView, { description: 'Withdraw a consent: a new event; what was consented before stays on record' })
  async withdrawConsent(@Arg('customerId', () => ID) customerId: string, @Arg('purpose', () => String) purposeKey: string, @Arg('source', () => String, { defaultValue: 'support' }) source: string, @Ctx() ctx: GatewayContext): Promise<StateEventView> {
    const purpose = purposeOf(ctx, purposeKey);
    assertMayRecordFor(ctx, purpose, 'consent');
    if (!(SOURCES as readonly string[]).includes(source)) throw new GatewayError('BAD_USER_INPUT', `source must be one of ${SOURCES.join(', ')}`);
    await assertCustomerExists(ctx, customerId);
    const row = await appendEvent(ctx.stores.gateway, 'consent_events', { customer_id: customerId, purpose: purpose.key, action: 'withdraw', source, recorded_by: ctx.caller.id });
    return { ...camel(row), kind: 'consent' };
  }

  @Mutation(() => StateEventView, { description: 'Record an objection to a purpose, optionally for one category' })
  async recordObjection(@Arg('customerId', () => ID) customerId: string, @Arg('purpose', () => String) purposeKey: string, @Arg('category', () => String, { nullable: true }) category: string | null, @Arg('reason', () => String, { nullable: true }) @MaxLength(INPUT_LIMITS.freeText) reason: string | null, @Ctx() ctx: GatewayContext): Promise<StateEventView> {
    const purpose = purposeOf(ctx, purposeKey);
    assertMayRecordFor(ctx, purpose, 'objection');
    await assertCustomerExists(ctx, customerId);
    const row = await appendEvent(ctx.stores.gateway, 'objection_events', { customer_id: customerId, purpose: purpose.key, category: checkCategory(category), action: 'object', reason, recorded_by: ctx.caller.id });
    return { ...camel(row), kind: 'objection' };
  }

  @Mutation(() => StateEventView, { description: 'Remove an objection (DPO)' })
  async removeObjection(@Arg('customerId', () => ID) customerId: string, @Arg('purpose', () => String) purposeKey: string, @Arg('category', () => String, { nullable: true }) category: string | null, @Ctx() ctx: GatewayContext): Promise<StateEventView> {
    const purpose = purposeOf(ctx, purposeKey);
    await assertCustomerExists(ctx, customerId);
    const row = await appendEvent(ctx.stores.gateway, 'objection_events', { customer_id: customerId, purpose: purpose.key, category: checkCategory(category), action: 'remove', recorded_by: ctx.caller.id });
    return { ...camel(row), kind: 'objection' };
  }

  @Mutation(() => StateEventView, { description: 'Restrict processing (DPO): the whole customer, one category, or one category for one purpose' })
  async restrictProcessing(@Arg('customerId', () => ID) customerId: string, @Arg('category', () => String, { nullable: true }) category: string | null, @Arg('purpose', () => String, { nullable: true }) purposeKey: string | null, @Arg('reason', () => String, { nullable: true }) @MaxLength(INPUT_LIMITS.freeText) reason: string | null, @Ctx() ctx: GatewayContext): Promise<StateEventView> {
    const purpose = purposeKey == null ? null : purposeOf(ctx, purposeKey).key;
    await assertCustomerExists(ctx, customerId);
    const row = await appendEvent(ctx.stores.gateway, 'restriction_events', { customer_id: customerId, category: checkCategory(category), purpose, action: 'restrict', reason, recorded_by: ctx.caller.id });
    return { ...camel(row), kind: 'restriction' };
  }

  @Mutation(() => StateEventView, { description: 'Lift a restriction (DPO); names the same category and purpose as the restriction' })
  async liftRestriction(@Arg('customerId', () => ID) customerId: string, @Arg('category', () => String, { nullable: true }) category: string | null, @Arg('purpose', () => String, { nullable: true }) purposeKey: string | null, @Ctx() ctx: GatewayContext): Promise<StateEventView> {
    const purpose = purposeKey == null ? null : purposeOf(ctx, purposeKey).key;
    await assertCustomerExists(ctx, customerId);
    const row = await appendEvent(ctx.stores.gateway, 'restriction_events', { customer_id: customerId, category: checkCategory(category), purpose, action: 'lift', recorded_by: ctx.caller.id });
    return { ...camel(row), kind: 'restriction' };
  }

  @Query(() => [StateEventView], { description: 'A customer\'s whole consent, objection, restriction, rectification and erasure history, oldest first' })
  async consentHistory(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: GatewayContext): Promise<StateEventView[]> {
    await assertCustomerExists(ctx, customerId);
    let rows: Record<string, unknown>[];
    try {
      rows = await ctx.stores.gateway.query(
        `SELECT id::text, 'consent' AS kind, customer_id, action, purpose, NULL AS category, given_by, explicit, expires_at, source, NULL AS reason, recorded_at, recorded_by FROM consent_events WHERE customer_id = $1
         UNION ALL SELECT id::text, 'objection', customer_id, action, purpose, category, NULL, NULL, NULL, NULL, reason, recorded_at, recorded_by FROM objection_events WHERE customer_id = $1
         UNION ALL SELECT id::text, 'restriction', customer_id, action, purpose, category, NULL, NULL, NULL, NULL, reason, recorded_at, recorded_by FROM restriction_events WHERE customer_id = $1
         UNION ALL SELECT id::text, 'rectification', customer_id, action, NULL, category, NULL, NULL, NULL, NULL, NULL, recorded_at, recorded_by FROM rectification_events WHERE customer_id = $1
         UNION ALL SELECT id::text, 'erasure', customer_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, recorded_at, recorded_by FROM erasures WHERE customer_id = $1
         ORDER BY recorded_at, kind, id`,
        [customerId],
      );
    } catch {
      throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read');
    }
    return rows.map(camel);
  }
}

import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { GatewayContext } from '../../http/context';
import { Explanation, EffectEnum } from '../types/customer-state.type';
import { assertCustomerExists, checkCategory, purposeOf } from '../../rights/customer-state.service';
import { decide } from '../../policy/decide';
import { loadCustomerStates } from '../../stores/gateway/load-customer-state';
import { GatewayError } from '../../errors';

/**
 * Explain (roles dpo, auditor): what a purpose may see of a customer, per category, with the
 * reason and the rule, and no data. Retention is per record, so explain reports the rules
 * up to retention (record time unknown). The explain itself is recorded in the access log.
 */
@Resolver()
export class ExplainResolver {
  @Query(() => Explanation)
  async explain(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('purpose', () => String) purposeKey: string,
    @Arg('categories', () => [String], { nullable: true, description: 'Default: every category of the pack' }) categories: string[] | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Explanation> {
    const purpose = purposeOf(ctx, purposeKey);
    const list = categories ?? Object.keys(ctx.pack.categories);
    if (list.length > 200) throw new GatewayError('BAD_USER_INPUT', 'at most 200 categories');
    list.forEach(checkCategory);
    await assertCustomerExists(ctx, customerId);
    let row: { dob: string | null };
    try {
      [row] = await ctx.stores.crm.query(`SELECT to_char(date_of_birth, 'YYYY-MM-DD') AS dob FROM customers WHERE id = $1`, [customerId]);
    } catch {
      throw new GatewayError('STORE_UNAVAILABLE', 'The CRM store is unavailable');
    }
    let state;
    try {
      state = (await loadCustomerStates(ctx.stores.gateway, [{ id: customerId, dateOfBirth: row.dob }], ctx.now)).get(customerId)!;
    } catch {
      throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read');
    }
    const decisions = list.map((category) => {
      const d = decide({ pack: ctx.pack, purpose, category, state, recordCollectedAt: null, now: ctx.now });
      ctx.decisions.push({ customerId, typeName: 'Explain', recordPath: 'explain', fields: [], category, effect: d.effect, reason: d.reason, rule: d.rule });
      return { category, effect: d.effect as EffectEnum, reason: d.reason, rule: d.rule };
    });
    return { customerId, purpose: purpose.key, policyHash: ctx.pack.hash, decidedAt: ctx.now, decisions };
  }
}

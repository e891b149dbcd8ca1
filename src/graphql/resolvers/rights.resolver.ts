import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { GatewayContext } from '../../http/context';
import { GatewayError } from '../../errors';
import { assertCustomerExists, CUSTOMER_ID } from '../../rights/customer-state.service';
import {
  checkRequestId, completeRightsRequest, listRightsRequests, recordRightsRequest, refuseRightsRequest, RightsRequestKind, RightsRequestView,
} from '../../rights/requests.service';
import { listRectifications, requestRectification, resolveRectification, RectificationView } from '../../rights/rectification.service';
import {
  eraseCustomer, eraseMinorsWithoutGuardianConsent, ErasureReceiptView, minorsWithoutGuardianConsent, MinorWithoutGuardianView,
} from '../../rights/erasure.service';
import {
  ErasureReceipt, MinorWithoutGuardianConsent, Rectification, RectificationStatusEnum, RightsRequest, RightsRequestFilterEnum,
  RightsRequestKindEnum, RightsRequestStatusEnum,
} from '../types/rights.type';
import { INPUT_LIMITS, MaxLength } from '../input-limits';

/**
 * Data-subject rights operations (issue 5, items 2-4). Roles (roles.ts): every mutation is for a
 * DPO; a DPO or an auditor may list requests and corrections. No X-Purpose: nothing here returns
 * a customer's values. resolveRectification reads the access log, and that read is itself an
 * access-log entry, as for the security-team API.
 */
const asRequest = (v: RightsRequestView): RightsRequest => ({ ...v, kind: v.kind as RightsRequestKindEnum, status: v.status as RightsRequestStatusEnum });
const asRectification = (v: RectificationView): Rectification => ({ ...v, status: v.status as RectificationStatusEnum });
const asReceipt = (v: ErasureReceiptView): ErasureReceipt => v;

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GatewayError('BAD_USER_INPUT', 'limit must be from 1 to 1000');
  return limit;
}

@Resolver()
export class RightsResolver {
  // ------------------------------------------------------------------ requests and deadlines

  @Mutation(() => RightsRequest, { description: 'Record a rights request as received (DPO); due by the pack\'s rights.response_deadline' })
  async recordRightsRequest(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('kind', () => RightsRequestKindEnum) kind: RightsRequestKindEnum,
    @Arg('details', () => GraphQLJSONObject, { nullable: true }) details: Record<string, unknown> | null,
    @Arg('receivedAt', () => Date, { nullable: true, description: 'When it reached the controller; default now; not in the future' }) receivedAt: Date | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<RightsRequest> {
    await assertCustomerExists(ctx, customerId);
    const v = await recordRightsRequest(ctx.stores.gateway, ctx.pack, {
      customerId, kind: kind as RightsRequestKind, details: details ?? null, receivedAt: receivedAt ?? null, recordedBy: ctx.caller.id, now: ctx.now,
    });
    return asRequest(v);
  }

  @Mutation(() => RightsRequest, { description: 'Complete an open request with its outcome (DPO)' })
  async completeRightsRequest(@Arg('id', () => ID) id: string, @Arg('outcome', () => String) @MaxLength(INPUT_LIMITS.freeText) outcome: string, @Ctx() ctx: GatewayContext): Promise<RightsRequest> {
    return asRequest(await completeRightsRequest(ctx.stores.gateway, id, outcome, ctx.caller.id, ctx.now));
  }

  @Mutation(() => RightsRequest, { description: 'Refuse an open request; the reason is required and recorded (PDPA s.30) (DPO)' })
  async refuseRightsRequest(@Arg('id', () => ID) id: string, @Arg('reason', () => String) @MaxLength(INPUT_LIMITS.freeText) reason: string, @Ctx() ctx: GatewayContext): Promise<RightsRequest> {
    return asRequest(await refuseRightsRequest(ctx.stores.gateway, id, reason, ctx.caller.id, ctx.now));
  }

  @Query(() => [RightsRequest], { description: 'Rights requests by due time: open (default), overdue or all, optionally of one customer (DPO, auditor)' })
  async rightsRequests(
    @Arg('status', () => RightsRequestFilterEnum, { defaultValue: RightsRequestFilterEnum.open }) status: RightsRequestFilterEnum,
    @Arg('customerId', () => ID, { nullable: true }) customerId: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<RightsRequest[]> {
    if (customerId != null && !CUSTOMER_ID.test(customerId)) throw new GatewayError('BAD_USER_INPUT', 'customerId is not a customer id');
    return (await listRightsRequests(ctx.stores.gateway, { status, customerId: customerId ?? null, now: ctx.now })).map(asRequest);
  }

  // ------------------------------------------------------------------ rectification

  @Mutation(() => Rectification, {
    description: 'Request the correction of one field (DPO): the category is withheld from every purpose (RECTIFICATION_PENDING) until resolved. The value is kept only until then and never returned',
  })
  async requestRectification(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('category', () => String) category: string,
    @Arg('field', () => String, { description: 'The GraphQL field: firstName, middleName, lastName, alias, dateOfBirth, address, number, line1, line2, city, postcode, country, bankName, accountHolder, accountNumber' }) field: string,
    @Arg('correctedValue', () => String) @MaxLength(INPUT_LIMITS.correctedValue) correctedValue: string,
    @Arg('recordId', () => ID, { nullable: true, description: 'Which record, when the customer has several of the category' }) recordId: string | null,
    @Arg('requestId', () => ID, { nullable: true, description: 'The open rectification request this answers; completed once all its corrections are resolved' }) requestId: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<Rectification> {
    await assertCustomerExists(ctx, customerId);
    const v = await requestRectification({ stores: ctx.stores, callerId: ctx.caller.id, now: ctx.now }, {
      customerId, category, field, correctedValue, recordId: recordId ?? null, requestId: requestId ?? null,
    });
    return asRectification(v);
  }

  @Mutation(() => Rectification, { description: 'Write the corrected value to the store and release the category (DPO); lists the callers that read the old value' })
  async resolveRectification(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<Rectification> {
    const v = await resolveRectification({ stores: ctx.stores, callerId: ctx.caller.id, now: ctx.now }, id);
    // The recipients come from the access log: that read is logged like any other read of it.
    ctx.decisions.push({ customerId: v.customerId, typeName: 'Rectification', recordPath: 'resolveRectification', fields: [], category: 'access_log', effect: 'ALLOW', reason: null, rule: 'roles.dpo' });
    return asRectification(v);
  }

  @Query(() => [Rectification], { description: 'A customer\'s corrections, oldest first (DPO, auditor)' })
  async rectifications(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: GatewayContext): Promise<Rectification[]> {
    await assertCustomerExists(ctx, customerId);
    return (await listRectifications(ctx.stores.gateway, customerId)).map(asRectification);
  }

  // ------------------------------------------------------------------ erasure

  @Mutation(() => ErasureReceipt, {
    description: 'Erase or anonymise the customer\'s data in both stores, except what a legal obligation of the pack keeps (DPO); returns the receipt',
  })
  async eraseCustomer(
    @Arg('customerId', () => ID) customerId: string,
    @Arg('requestId', () => ID, { nullable: true, description: 'The open erasure request this answers; completed with the receipt' }) requestId: string | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<ErasureReceipt> {
    await assertCustomerExists(ctx, customerId);
    if (requestId != null) checkRequestId(requestId, 'requestId');
    return asReceipt(await eraseCustomer({ stores: ctx.stores, pack: ctx.pack, callerId: ctx.caller.id, now: ctx.now }, customerId, requestId ?? null));
  }

  @Query(() => [MinorWithoutGuardianConsent], { description: 'Customers under the pack\'s minors age whose data is held without a guardian\'s consent: a consent they gave alone, or (minors.applies_to: all) no guardian\'s consent at all (DPO)' })
  async minorsWithoutGuardianConsent(@Arg('limit', () => Int, { defaultValue: 100, description: '1 to 1000' }) limit: number, @Ctx() ctx: GatewayContext): Promise<MinorWithoutGuardianView[]> {
    return minorsWithoutGuardianConsent(ctx.stores, ctx.pack, ctx.now, checkLimit(limit));
  }

  @Mutation(() => [ErasureReceipt], { description: 'Erase them, where the pack\'s minors.without_guardian_consent is delete (DPO); one receipt each' })
  async eraseMinorsWithoutGuardianConsent(@Arg('limit', () => Int, { defaultValue: 100, description: '1 to 1000' }) limit: number, @Ctx() ctx: GatewayContext): Promise<ErasureReceipt[]> {
    return (await eraseMinorsWithoutGuardianConsent({ stores: ctx.stores, pack: ctx.pack, callerId: ctx.caller.id, now: ctx.now }, checkLimit(limit))).map(asReceipt);
  }
}

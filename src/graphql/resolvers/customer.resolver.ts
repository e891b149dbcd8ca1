import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { Customer } from '../types/customer.type';
import { Email, Phone, PostalAddress, SocialAccount } from '../types/contact.type';
import { Account, CallLog, Communication, HealthDeclaration, LoginEvent } from '../types/activity.type';
import { BankAccount, Invoice, Order, PaymentCard } from '../types/billing.type';
import { GatewayContext } from '../../http/context';
import { GatewayError } from '../../errors';
import { Row } from '../../stores/loaders';
import { loadStateEvents } from '../../stores/gateway/load-customer-state';
import { foldCustomerState } from '../../policy/customer-state';

/**
 * The resolve stage for customers: root queries load customers (batched) and, when the plan
 * needs it, the decision state of all of them in one statement, before any tagged field
 * resolves. Nested lists come from per-request DataLoaders; the decision wrapper (enforce.ts)
 * leaves out records past retention for the purpose.
 */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function checkIds(ids: string[], max: number): void {
  if (ids.length > max) throw new GatewayError('BATCH_TOO_LARGE', `customers(ids:) takes at most ${max} ids`, { max });
  const bad = ids.findIndex((id) => !ID_PATTERN.test(id));
  if (bad >= 0) throw new GatewayError('BAD_USER_INPUT', `ids[${bad}] is not a customer id`);
}

async function loadWithState(ctx: GatewayContext, ids: string[]): Promise<(Row | null)[]> {
  // The decision state needs only the ids: it is read alongside the customers, one round trip
  // instead of two. A failure is held until the customers are in: a store outage comes first.
  const wanted = ctx.plan?.needsState ? [...new Set(ids)].filter((id) => !ctx.states.has(id)) : [];
  const events = wanted.length ? loadStateEvents(ctx.stores.gateway, wanted).then((byId) => ({ byId }), () => null) : undefined;
  // loadMany does not reject: a failed batch comes back as an Error per id. Reading one as
  // "no such customer" would answer a store outage with a 200 and null: fail instead.
  const loaded = await ctx.loaders.customers.loadMany(ids).catch((err: unknown) => [err instanceof Error ? err : new Error('load failed')]);
  if (loaded.some((r) => r instanceof Error)) throw new GatewayError('STORE_UNAVAILABLE', 'The CRM store is unavailable');
  const rows = loaded as (Row | null)[];
  if (events) {
    const read = await events;
    if (!read) throw new GatewayError('CONSENT_STATE_UNAVAILABLE', 'Consent state could not be read; no personal data is returned');
    for (const r of rows) {
      if (r && !ctx.states.has(r.id)) ctx.states.set(r.id, foldCustomerState(r.id, (r.dateOfBirth as string) ?? null, read.byId.get(r.id) ?? [], ctx.now));
    }
  }
  return rows;
}

/** A nested list of a customer's records; a failed load is a store outage, never an empty list. */
function list(load: Promise<Row[]>): Promise<Row[]> {
  return load.catch(() => {
    throw new GatewayError('STORE_UNAVAILABLE', 'A personal-data store is unavailable');
  });
}

/**
 * A customer's records: null with a coded denial when the purpose may see none of their
 * categories for this customer (so not even their number leaks), the records it may see
 * otherwise (graphql/record-scope.ts).
 */
const LIST = { nullable: true, description: 'Null (denied) when the purpose may see none of these records; those past retention are left out' } as const;

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, { nullable: true, description: 'One customer by id; null if there is none. Needs X-Purpose.' })
  async customer(@Arg('id', () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<Row | null> {
    checkIds([id], 1);
    return (await loadWithState(ctx, [id]))[0];
  }

  @Query(() => [Customer], { nullable: 'items', description: 'Customers by id, in the order asked (null where none exists). At most GATEWAY_MAX_BATCH ids (default 100). Needs X-Purpose.' })
  async customers(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: GatewayContext): Promise<(Row | null)[]> {
    checkIds(ids, ctx.maxBatch);
    return loadWithState(ctx, ids);
  }

  @FieldResolver(() => [Email], LIST) emails(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.emails.load(c.id));
  }
  @FieldResolver(() => [Phone], LIST) phones(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.phones.load(c.id));
  }
  @FieldResolver(() => [PostalAddress], LIST) addresses(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.addresses.load(c.id));
  }
  @FieldResolver(() => [SocialAccount], LIST) socialAccounts(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.socialAccounts.load(c.id));
  }
  @FieldResolver(() => [Account], LIST) accounts(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.accounts.load(c.id));
  }
  @FieldResolver(() => [Communication], LIST) communications(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.communications.load(c.id));
  }
  @FieldResolver(() => [CallLog], LIST) callLogs(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.callLogs.load(c.id));
  }
  @FieldResolver(() => [HealthDeclaration], LIST) healthDeclarations(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.healthDeclarations.load(c.id));
  }
  @FieldResolver(() => [BankAccount], LIST) bankAccounts(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.bankAccounts.load(c.id));
  }
  @FieldResolver(() => [PaymentCard], LIST) paymentCards(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.paymentCards.load(c.id));
  }
  @FieldResolver(() => [Order], LIST) orders(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.orders.load(c.id));
  }
  @FieldResolver(() => [Invoice], LIST) invoices(@Root() c: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.invoices.load(c.id));
  }
}

@Resolver(() => Account)
export class AccountResolver {
  @FieldResolver(() => [LoginEvent], { ...LIST, description: 'Logins on this account; those past retention for the purpose are left out' })
  loginEvents(@Root() a: Row, @Ctx() ctx: GatewayContext) {
    return list(ctx.loaders.loginEventsByAccount.load(a.id));
  }
}

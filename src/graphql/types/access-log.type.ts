import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { EffectEnum } from './customer-state.type';

/**
 * Types of the security-team API over the access log (accessLog, accessStats). They describe the
 * log (who asked for which category of whose data, and the decision), never a customer's values,
 * so they carry no @category tags; their fields are on the reviewed non-personal list.
 */
export enum AccessStatsGroupBy {
  caller = 'caller',
  purpose = 'purpose',
  category = 'category',
  reason = 'reason',
  day = 'day',
  effect = 'effect',
}
registerEnumType(AccessStatsGroupBy, {
  name: 'AccessStatsGroupBy',
  description: 'How accessStats groups entries; `day` is the UTC day of `at` (YYYY-MM-DD)',
});

@InputType({ description: 'Access-log filters; every one optional, all combined with AND' })
export class AccessLogFilterInput {
  @Field(() => ID, { nullable: true }) customerId?: string | null;
  @Field(() => String, { nullable: true, description: 'Calling service id' }) caller?: string | null;
  @Field(() => String, { nullable: true, description: 'Purpose key' }) purpose?: string | null;
  @Field(() => String, { nullable: true, description: 'A category or a parent: `contact` matches `contact.email`' }) category?: string | null;
  @Field(() => String, { nullable: true, description: 'A field name (`nationalId`) or Type.field (`Customer.nationalId`)' }) field?: string | null;
  @Field(() => EffectEnum, { nullable: true }) effect?: EffectEnum | null;
  @Field(() => String, { nullable: true, description: 'Denial reason, e.g. NO_CONSENT' }) reason?: string | null;
  @Field(() => Date, { nullable: true, description: 'Entries with `at` at or after this instant' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Entries with `at` before this instant' }) to?: Date | null;
}

@ObjectType({ description: 'One access-log entry: one decision on one category of one customer, never the value' })
export class AccessLogEntry {
  @Field(() => ID, { description: '`<row>.<n>`: the n-th category of stored row <row> (the log stores one row per decision and customer)' }) id!: string;
  @Field(() => Date, { description: 'Request time: the decision was made as of this instant' }) at!: Date;
  @Field(() => Date, { description: 'When the batch holding the entry was committed' }) loggedAt!: Date;
  @Field(() => ID, { description: 'The hash-chained batch (access_log_batches) holding the entry' }) batchId!: string;
  @Field(() => String, { description: 'x-request-id of the request' }) requestId!: string;
  @Field(() => String) caller!: string;
  @Field(() => [String], { description: 'The caller\'s effective roles' }) roles!: string[];
  @Field(() => String, { nullable: true, description: 'Declared purpose; null for operations that need none' }) purpose!: string | null;
  @Field(() => String, { nullable: true, description: 'X-Justification as sent' }) justification!: string | null;
  @Field(() => String, { nullable: true, description: 'Address of the calling service' }) clientAddress!: string | null;
  @Field(() => String, { description: 'Hash of the rules of the policy pack in force (sha256 of their canonical JSON; comments and tests excluded)' }) policyHash!: string;
  @Field(() => ID, { nullable: true }) customerId!: string | null;
  @Field(() => String, { description: 'GraphQL type of the first field decided in this category (`Customer`, `Email`)' }) typeName!: string;
  @Field(() => String, { description: 'Response path of the customer the decision was on (`customer`, `customers.3`)' }) fieldPath!: string;
  @Field(() => [String], { description: 'Fields of this category the decision covered, relative to fieldPath (`emails.0.address`); the same field of several records of a list is one path with their positions (`emails.0-2.address`: records 0, 1 and 2; `orders.0-3,5.total`)' }) fields!: string[];
  @Field(() => String) category!: string;
  @Field(() => EffectEnum) effect!: EffectEnum;
  @Field(() => String, { nullable: true, description: 'Set when the effect is DENY' }) reason!: string | null;
  @Field(() => String, { nullable: true, description: 'The pack rule that decided' }) rule!: string | null;
}

@ObjectType()
export class AccessLogEdge {
  @Field(() => String, { description: 'Opaque; pass as `after` to continue after this entry' }) cursor!: string;
  @Field(() => AccessLogEntry) node!: AccessLogEntry;
}

@ObjectType()
export class AccessLogPageInfo {
  @Field(() => String, { nullable: true, description: 'Cursor of the last entry of the page; null when the page is empty' }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType({ description: 'A page of access-log entries, newest first' })
export class AccessLogConnection {
  @Field(() => [AccessLogEdge]) edges!: AccessLogEdge[];
  @Field(() => AccessLogPageInfo) pageInfo!: AccessLogPageInfo;
}

@ObjectType({ description: 'Entries counted per group' })
export class AccessStat {
  @Field(() => String, { description: 'The caller, purpose, category, reason, day or effect; `(none)` for entries without a purpose or reason' }) key!: string;
  @Field(() => Int) count!: number;
}

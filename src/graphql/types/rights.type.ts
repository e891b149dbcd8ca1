import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

/**
 * Types of the data-subject rights operations (requests and deadlines, rectification, erasure,
 * minors). They describe requests, decisions and records (ids, categories, counts, dates,
 * purposes), never a customer's values: no @category tags, so no X-Purpose is needed, and their
 * fields are on the reviewed non-personal list (test/unit/schema.test.ts). A corrected value is
 * accepted as an argument and never returned.
 */
export enum RightsRequestKindEnum {
  access = 'access',
  rectification = 'rectification',
  erasure = 'erasure',
  restriction = 'restriction',
  objection = 'objection',
  portability = 'portability',
}
registerEnumType(RightsRequestKindEnum, { name: 'RightsRequestKind', description: 'The right a data subject exercises' });

export enum RightsRequestStatusEnum { open = 'open', completed = 'completed', refused = 'refused' }
registerEnumType(RightsRequestStatusEnum, { name: 'RightsRequestStatus' });

export enum RightsRequestFilterEnum { open = 'open', overdue = 'overdue', all = 'all' }
registerEnumType(RightsRequestFilterEnum, { name: 'RightsRequestFilter', description: 'open; overdue (open and past due); all' });

export enum RectificationStatusEnum { pending = 'pending', corrected = 'corrected', discarded_by_erasure = 'discarded_by_erasure' }
registerEnumType(RectificationStatusEnum, { name: 'RectificationStatus' });

@ObjectType({ description: 'A data-subject rights request: received, due by the pack\'s deadline, then completed or refused once' })
export class RightsRequest {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => RightsRequestKindEnum) kind!: RightsRequestKindEnum;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => Date, { description: 'receivedAt + the pack\'s rights.response_deadline' }) dueAt!: Date;
  @Field(() => String, { description: 'The deadline applied, ISO 8601 (P30D, P1M)' }) deadline!: string;
  @Field(() => RightsRequestStatusEnum) status!: RightsRequestStatusEnum;
  @Field(() => Boolean, { description: 'Open and past dueAt' }) overdue!: boolean;
  @Field(() => String, { nullable: true }) outcome!: string | null;
  @Field(() => String, { nullable: true, description: 'Why the request was refused (PDPA s.30)' }) refusalReason!: string | null;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => String, { nullable: true }) resolvedBy!: string | null;
  @Field(() => Date) recordedAt!: Date;
  @Field(() => String) recordedBy!: string;
  @Field(() => GraphQLJSONObject, { description: 'What the DPO noted when recording it (channel, reference, ...)' }) details!: Record<string, unknown>;
}

@ObjectType({ description: 'A caller that was served a category before its correction was requested (GDPR Art.19: to be told)' })
export class RectificationRecipient {
  @Field(() => String) caller!: string;
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => Date) firstReadAt!: Date;
  @Field(() => Date) lastReadAt!: Date;
  @Field(() => Int, { description: 'Access-log entries (one per request that read the category)' }) reads!: number;
}

@ObjectType({ description: 'A correction of one field of one record; the corrected value is never shown' })
export class Rectification {
  @Field(() => ID) id!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => String) category!: string;
  @Field(() => String, { description: 'The GraphQL field corrected (firstName, address, accountNumber, ...)' }) field!: string;
  @Field(() => ID, { description: 'The store record corrected (the customer id for identity fields)' }) recordId!: string;
  @Field(() => ID, { nullable: true }) requestId!: string | null;
  @Field(() => RectificationStatusEnum) status!: RectificationStatusEnum;
  @Field(() => Date) requestedAt!: Date;
  @Field(() => String) requestedBy!: string;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => String, { nullable: true }) resolvedBy!: string | null;
  @Field(() => Int, { nullable: true, description: 'Store rows the correction wrote (0: the record no longer exists)' }) rowsUpdated!: number | null;
  @Field(() => [RectificationRecipient], { description: 'Set once resolved' }) recipients!: RectificationRecipient[];
}

@ObjectType({ description: 'A record kept after an erasure: why, and until when' })
export class KeptRecord {
  @Field(() => ID) recordId!: string;
  @Field(() => Date) collectedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'collectedAt + retention; null: kept without a time limit' }) keptUntil!: Date | null;
  @Field(() => String, { description: 'The legal-obligation purpose that keeps it' }) purpose!: string;
  @Field(() => String) lawfulBasis!: string;
  @Field(() => String, { nullable: true, description: 'The purpose\'s retention for the category (ISO 8601)' }) retention!: string | null;
  @Field(() => String, { nullable: true, description: 'The pack\'s cite for the purpose' }) cite!: string | null;
}

@ObjectType({ description: 'What an erasure did to one category of one table' })
export class ErasureCategory {
  @Field(() => String) category!: string;
  @Field(() => String, { description: 'crm, billing, or gateway (pending corrections)' }) store!: string;
  @Field(() => String) table!: string;
  @Field(() => Int) deleted!: number;
  @Field(() => Int, { description: 'Rows that stay with this category\'s data removed' }) anonymised!: number;
  @Field(() => Int) kept!: number;
  @Field(() => [KeptRecord]) keptRecords!: KeptRecord[];
}

@ObjectType({ description: 'The receipt of an erasure: what was erased, what was kept, why and until when' })
export class ErasureReceipt {
  @Field(() => ID) receiptId!: string;
  @Field(() => ID) erasureId!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => ID, { nullable: true }) requestId!: string | null;
  @Field(() => Date) erasedAt!: Date;
  @Field(() => String) erasedBy!: string;
  @Field(() => String, { description: 'The policy pack in force' }) pack!: string;
  @Field(() => String) policyHash!: string;
  @Field(() => [ErasureCategory]) categories!: ErasureCategory[];
}

@ObjectType({ description: 'A customer under the pack\'s minors age whose data is held without a guardian\'s consent' })
export class MinorWithoutGuardianConsent {
  @Field(() => ID) customerId!: string;
  @Field(() => [String], {
    description: 'Purposes that would process the data without a guardian: consent-based ones whose consent the minor gave alone; with minors.applies_to: all and no guardian\'s consent on record, also those on other bases the rule stops',
  }) purposes!: string[];
  @Field(() => Date, { nullable: true, description: 'The earliest consent the minor gave alone; null when there is none' }) consentGivenAt!: Date | null;
}

import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';

/** Types of the customer-state operations (consents, objections, restrictions) and of explain. */
export enum GivenBy { subject = 'subject', guardian = 'guardian' }
registerEnumType(GivenBy, { name: 'GivenBy', description: 'Who gave a consent: the customer, or a parent or guardian (minors)' });

export enum EffectEnum { ALLOW = 'ALLOW', MASK = 'MASK', DENY = 'DENY' }
registerEnumType(EffectEnum, { name: 'Effect' });

@InputType()
export class GrantConsentInput {
  @Field(() => ID) customerId!: string;
  @Field(() => String) purpose!: string;
  @Field(() => GivenBy, { defaultValue: GivenBy.subject }) givenBy!: GivenBy;
  @Field(() => Boolean, { defaultValue: false, description: 'Explicit consent (needed for sensitive categories, PDPA s.26)' }) explicit!: boolean;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => String, { description: 'Where the consent was collected (signup_form, phone, ...)' }) source!: string;
}

@ObjectType({ description: 'One event of a customer\'s append-only consent, objection, restriction, rectification or erasure history' })
export class StateEventView {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'consent, objection, restriction, rectification, erasure' }) kind!: string;
  @Field(() => ID) customerId!: string;
  @Field(() => String, { nullable: true }) action!: string | null;
  @Field(() => String, { nullable: true }) purpose!: string | null;
  @Field(() => String, { nullable: true }) category!: string | null;
  @Field(() => GivenBy, { nullable: true }) givenBy!: GivenBy | null;
  @Field(() => Boolean, { nullable: true }) explicit!: boolean | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => String, { nullable: true }) source!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => Date) recordedAt!: Date;
  @Field(() => String) recordedBy!: string;
}

@ObjectType()
export class CategoryDecision {
  @Field(() => String) category!: string;
  @Field(() => EffectEnum) effect!: EffectEnum;
  @Field(() => String, { nullable: true, description: 'Set when the effect is DENY' }) reason!: string | null;
  @Field(() => String, { description: 'The pack rule that decided' }) rule!: string;
}

@ObjectType({ description: 'What a purpose may see of a customer, per category, and why; no data' })
export class Explanation {
  @Field(() => ID) customerId!: string;
  @Field(() => String) purpose!: string;
  @Field(() => String, { description: 'Hash of the rules of the policy pack in force (sha256 of their canonical JSON; comments and tests excluded)' }) policyHash!: string;
  @Field(() => Date) decidedAt!: Date;
  @Field(() => [CategoryDecision]) decisions!: CategoryDecision[];
}

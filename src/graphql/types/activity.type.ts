import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Category } from '../category.directive';
import { StoredRecord } from './record';

@ObjectType()
export class Account extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('account.username') username!: string | null;
}

@ObjectType({ description: 'One login, collected automatically' })
export class LoginEvent extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('technical.ip_address') ipAddress!: string | null;
  @Field(() => String, { nullable: true }) @Category('technical.user_agent') userAgent!: string | null;
  @Field(() => Date, { nullable: true }) @Category('technical.activity_time') occurredAt!: Date | null;
}

@ObjectType({ description: 'A support ticket or chat record' })
export class Communication extends StoredRecord {
  @Field(() => String, { nullable: true, description: 'ticket or chat' }) @Category('communication.support_ticket') channel!: string | null;
  @Field(() => String, { nullable: true }) @Category('communication.support_ticket') subject!: string | null;
  @Field(() => String, { nullable: true }) @Category('communication.chat') body!: string | null;
  @Field(() => Date, { nullable: true }) @Category('communication.support_ticket') occurredAt!: Date | null;
}

@ObjectType()
export class CallLog extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('communication.call_log') phoneNumber!: string | null;
  @Field(() => String, { nullable: true }) @Category('communication.call_log') direction!: string | null;
  @Field(() => Date, { nullable: true }) @Category('communication.call_log') startedAt!: Date | null;
  @Field(() => Int, { nullable: true }) @Category('communication.call_log') durationSeconds!: number | null;
}

@ObjectType({ description: 'Office-visit health declaration (sensitive data: explicit consent needed)' })
export class HealthDeclaration extends StoredRecord {
  @Field(() => Date, { nullable: true }) @Category('health.declaration') visitedAt!: Date | null;
  @Field(() => Float, { nullable: true }) @Category('health.declaration') temperatureC!: number | null;
  @Field(() => [String], { nullable: true }) @Category('health.declaration') symptoms!: string[] | null;
  @Field(() => Boolean, { nullable: true }) @Category('health.declaration') exposure!: boolean | null;
  @Field(() => String, { nullable: true }) @Category('health.declaration') vaccinationStatus!: string | null;
  @Field(() => String, { nullable: true }) @Category('health.declaration') testResult!: string | null;
  @Field(() => String, { nullable: true }) @Category('health.declaration') recentTravel!: string | null;
}

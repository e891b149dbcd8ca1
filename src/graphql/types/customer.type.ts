import { Field, ID, ObjectType } from 'type-graphql';
import { Category } from '../category.directive';

/**
 * A customer as the gateway shows it. Every personal field is nullable so one denied field does
 * not null its parent; `id`, `source` and `collectedAt` are the reviewed non-personal fields
 * (see test/unit/schema-coverage.test.ts).
 */
@ObjectType({ description: 'A customer (data subject), with data drawn from the CRM and billing stores.' })
export class Customer {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Where the customer record came from (sign-up form, phone, partner, ...)' }) source!: string;
  @Field(() => Date, { description: 'When the customer record was collected; retention counts from it' }) collectedAt!: Date;

  @Field(() => String, { nullable: true }) @Category('identity.name') firstName!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.name') middleName!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.name') lastName!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.name') alias!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD' }) @Category('identity.date_of_birth') dateOfBirth!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.gender') gender!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.nationality') nationality!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.national_id') nationalId!: string | null;
  @Field(() => String, { nullable: true }) @Category('identity.passport') passportNumber!: string | null;
}

import { Field, ID, ObjectType } from 'type-graphql';
import { Category, SubjectKey } from '../category.directive';

/**
 * A customer as the gateway shows it. Every personal field is nullable so one denied field does
 * not null its parent. `id` is the key the caller looked the customer up by (the one untagged
 * field not gated: test/unit/schema.test.ts); `source` and `collectedAt` are the customer
 * record's metadata, shown only with a category of it the purpose may see.
 */
@ObjectType({ description: 'A customer (data subject), with data drawn from the CRM and billing stores.' })
export class Customer {
  @Field(() => ID) @SubjectKey() id!: string;
  @Field(() => String, { nullable: true, description: 'Where the customer record came from (with its own data only)' }) source!: string;
  @Field(() => Date, { nullable: true, description: 'When it was collected, retention counts from it (with its own data only)' }) collectedAt!: Date;

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

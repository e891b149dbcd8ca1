import { Field, ID, ObjectType } from 'type-graphql';

/**
 * Fields every stored record shows: its id and provenance. They are personal data of the record
 * (a login's collection time is the login time): released only with a category of the record
 * the purpose may see, null with a coded denial otherwise (graphql/enforce.ts), hence nullable.
 */
@ObjectType({ description: 'Fields every stored record shows' })
export abstract class StoredRecord {
  @Field(() => ID, { nullable: true, description: 'Shown with the record\'s data only' }) id!: string;
  @Field(() => String, { nullable: true, description: 'Where this record came from (with its data only)' }) source!: string;
  @Field(() => Date, { nullable: true, description: 'When it was collected, retention counts from it (with its data only)' }) collectedAt!: Date;
  /** The data subject this record belongs to; not exposed, used by the decision wrapper. */
  customerId!: string;
}

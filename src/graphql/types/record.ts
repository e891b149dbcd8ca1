import { Field, ID, ObjectType } from 'type-graphql';

/** Fields every stored record shows: its id and provenance (non-personal, reviewed). */
@ObjectType({ description: "Fields every stored record shows" })
export abstract class StoredRecord {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Where this record came from' }) source!: string;
  @Field(() => Date, { description: 'When this record was collected; retention counts from it' }) collectedAt!: Date;
  /** The data subject this record belongs to; not exposed, used by the decision wrapper. */
  customerId!: string;
}

import { Field, ObjectType } from 'type-graphql';
import { Category } from '../category.directive';
import { StoredRecord } from './record';

@ObjectType()
export class BankAccount extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('financial.bank_account') bankName!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.bank_account') accountHolder!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.bank_account') accountNumber!: string | null;
}

@ObjectType({ description: 'A payment card: processor token and last four digits only' })
export class PaymentCard extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('financial.payment_card') token!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.payment_card') last4!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.payment_card') brand!: string | null;
  @Field(() => String, { nullable: true, description: 'MM/YYYY' }) @Category('financial.payment_card') expiry!: string | null;
}

@ObjectType()
export class Order extends StoredRecord {
  @Field(() => Date, { nullable: true }) @Category('financial.order') orderedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Decimal amount as a string' }) @Category('financial.order') total!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.order') currency!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.order') status!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.order') items!: string | null;
}

@ObjectType({ description: 'A receipt or tax invoice' })
export class Invoice extends StoredRecord {
  @Field(() => String, { nullable: true }) @Category('financial.invoice') invoiceNumber!: string | null;
  @Field(() => Date, { nullable: true }) @Category('financial.invoice') issuedAt!: Date | null;
  @Field(() => String, { nullable: true }) @Category('financial.invoice') billingName!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.invoice') billingAddress!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.tax_id') taxId!: string | null;
  @Field(() => String, { nullable: true }) @Category('financial.invoice') amount!: string | null;
}

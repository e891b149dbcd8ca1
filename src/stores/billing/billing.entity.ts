import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Provenance } from '../provenance';

abstract class BillingRow extends Provenance {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'customer_id', type: 'text' }) customerId!: string;
}

@Entity({ name: 'bank_accounts' })
export class BankAccountRow extends BillingRow {
  @Column({ name: 'bank_name', type: 'text' }) bankName!: string;
  @Column({ name: 'account_holder', type: 'text' }) accountHolder!: string;
  @Column({ name: 'account_number', type: 'text' }) accountNumber!: string;
}

/** Only a processor token and the last four digits are ever stored. */
@Entity({ name: 'payment_cards' })
export class PaymentCardRow extends BillingRow {
  @Column({ type: 'text' }) token!: string;
  @Column({ type: 'text' }) last4!: string;
  @Column({ type: 'text' }) brand!: string;
  @Column({ name: 'expiry_month', type: 'integer' }) expiryMonth!: number;
  @Column({ name: 'expiry_year', type: 'integer' }) expiryYear!: number;
}

@Entity({ name: 'orders' })
export class OrderRow extends BillingRow {
  @Column({ name: 'ordered_at', type: 'timestamptz' }) orderedAt!: Date;
  @Column({ type: 'numeric', precision: 12, scale: 2 }) total!: string;
  @Column({ type: 'text' }) currency!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'text' }) items!: string;
}

@Entity({ name: 'invoices' })
export class InvoiceRow extends BillingRow {
  @Column({ name: 'order_id', type: 'bigint' }) orderId!: string;
  @Column({ name: 'invoice_number', type: 'text' }) invoiceNumber!: string;
  @Column({ name: 'issued_at', type: 'timestamptz' }) issuedAt!: Date;
  @Column({ name: 'billing_name', type: 'text' }) billingName!: string;
  @Column({ name: 'billing_address', type: 'text' }) billingAddress!: string;
  @Column({ name: 'tax_id', type: 'text', nullable: true }) taxId!: string | null;
  @Column({ type: 'numeric', precision: 12, scale: 2 }) amount!: string;
}

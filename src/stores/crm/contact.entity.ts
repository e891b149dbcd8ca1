import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Provenance } from '../provenance';

/** Contact data, one table per kind so each GraphQL field has exactly one category. */
abstract class CustomerChild extends Provenance {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'customer_id', type: 'text' }) customerId!: string;
}

@Entity({ name: 'emails' })
export class EmailRow extends CustomerChild {
  @Column({ type: 'text' }) address!: string;
  @Column({ type: 'boolean', default: false }) primary!: boolean;
}

@Entity({ name: 'phones' })
export class PhoneRow extends CustomerChild {
  @Column({ type: 'text' }) number!: string;
  @Column({ type: 'text' }) kind!: string;
}

@Entity({ name: 'postal_addresses' })
export class PostalAddressRow extends CustomerChild {
  @Column({ type: 'text' }) line1!: string;
  @Column({ type: 'text', nullable: true }) line2!: string | null;
  @Column({ type: 'text' }) city!: string;
  @Column({ type: 'text' }) postcode!: string;
  @Column({ type: 'text' }) country!: string;
}

@Entity({ name: 'social_accounts' })
export class SocialAccountRow extends CustomerChild {
  @Column({ type: 'text' }) platform!: string;
  @Column({ type: 'text' }) handle!: string;
}

export { CustomerChild };

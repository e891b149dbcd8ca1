import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Provenance } from '../provenance';

/** A customer of the controller: the data subject every other record hangs off. */
@Entity({ name: 'customers' })
export class CustomerRow extends Provenance {
  @PrimaryColumn({ type: 'text' }) id!: string;
  @Column({ name: 'first_name', type: 'text' }) firstName!: string;
  @Column({ name: 'middle_name', type: 'text', nullable: true }) middleName!: string | null;
  @Column({ name: 'last_name', type: 'text' }) lastName!: string;
  @Column({ type: 'text', nullable: true }) alias!: string | null;
  @Column({ name: 'date_of_birth', type: 'date' }) dateOfBirth!: string;
  @Column({ type: 'text', nullable: true }) gender!: string | null;
  @Column({ type: 'text', nullable: true }) nationality!: string | null;
  @Column({ name: 'national_id', type: 'text', nullable: true }) nationalId!: string | null;
  @Column({ name: 'passport_number', type: 'text', nullable: true }) passportNumber!: string | null;
}

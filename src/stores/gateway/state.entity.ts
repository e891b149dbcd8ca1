import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The gateway's own state about each customer. Every table is an append-only event history:
 * a withdrawal or a lifted restriction is a new row, never an update, so what was consented
 * before stays on record (PDPA s.19: withdrawal does not affect processing lawfully done before).
 */
abstract class StateEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'customer_id', type: 'text' }) customerId!: string;
  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' }) recordedAt!: Date;
  @Column({ name: 'recorded_by', type: 'text' }) recordedBy!: string;
}

@Entity({ name: 'consent_events' })
export class ConsentEventRow extends StateEvent {
  @Column({ type: 'text' }) purpose!: string;
  @Column({ type: 'text' }) action!: 'grant' | 'withdraw';
  @Column({ name: 'given_by', type: 'text', nullable: true }) givenBy!: 'subject' | 'guardian' | null;
  @Column({ type: 'boolean', default: false }) explicit!: boolean;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ type: 'text', nullable: true }) source!: string | null;
}

@Entity({ name: 'objection_events' })
export class ObjectionEventRow extends StateEvent {
  @Column({ type: 'text' }) purpose!: string;
  @Column({ type: 'text', nullable: true }) category!: string | null;
  @Column({ type: 'text' }) action!: 'object' | 'remove';
  @Column({ type: 'text', nullable: true }) reason!: string | null;
}

@Entity({ name: 'restriction_events' })
export class RestrictionEventRow extends StateEvent {
  @Column({ type: 'text', nullable: true }) category!: string | null;
  @Column({ type: 'text', nullable: true }) purpose!: string | null;
  @Column({ type: 'text' }) action!: 'restrict' | 'lift';
  @Column({ type: 'text', nullable: true }) reason!: string | null;
}

/** Pending and resolved rectifications; a pending one keeps its category out of every purpose. */
@Entity({ name: 'rectification_events' })
export class RectificationEventRow extends StateEvent {
  @Column({ type: 'text' }) category!: string;
  @Column({ type: 'text' }) action!: 'request' | 'resolve';
}

@Entity({ name: 'erasures' })
export class ErasureRow extends StateEvent {}

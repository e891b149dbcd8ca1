import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Provenance } from '../provenance';
import { CustomerChild } from './contact.entity';

/** A login account with the controller. */
@Entity({ name: 'accounts' })
export class AccountRow extends CustomerChild {
  @Column({ type: 'text' }) username!: string;
}

/** One login: collected automatically; its collection time is the login time. */
@Entity({ name: 'login_events' })
export class LoginEventRow extends Provenance {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'account_id', type: 'bigint' }) accountId!: string;
  @Column({ name: 'customer_id', type: 'text' }) customerId!: string;
  @Column({ name: 'ip_address', type: 'text' }) ipAddress!: string;
  @Column({ name: 'user_agent', type: 'text' }) userAgent!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
}

/** A support ticket or chat record. */
@Entity({ name: 'communications' })
export class CommunicationRow extends CustomerChild {
  @Column({ type: 'text' }) channel!: 'ticket' | 'chat';
  @Column({ type: 'text' }) subject!: string;
  @Column({ type: 'text' }) body!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
}

@Entity({ name: 'call_logs' })
export class CallLogRow extends CustomerChild {
  @Column({ name: 'phone_number', type: 'text' }) phoneNumber!: string;
  @Column({ type: 'text' }) direction!: 'inbound' | 'outbound';
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'duration_seconds', type: 'integer' }) durationSeconds!: number;
}

/** Office-visit health declaration (sensitive: PDPA s.26). */
@Entity({ name: 'health_declarations' })
export class HealthDeclarationRow extends CustomerChild {
  @Column({ name: 'visited_at', type: 'timestamptz' }) visitedAt!: Date;
  @Column({ name: 'temperature_c', type: 'numeric', precision: 4, scale: 1 }) temperatureC!: string;
  @Column({ type: 'text', array: true }) symptoms!: string[];
  @Column({ type: 'boolean' }) exposure!: boolean;
  @Column({ name: 'vaccination_status', type: 'text' }) vaccinationStatus!: string;
  @Column({ name: 'test_result', type: 'text', nullable: true }) testResult!: string | null;
  @Column({ name: 'recent_travel', type: 'text', nullable: true }) recentTravel!: string | null;
}

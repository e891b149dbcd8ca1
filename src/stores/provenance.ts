import { Column } from 'typeorm';

/**
 * Where a record came from and when it was collected. Every store record that holds personal data
 * carries both: the access export reports them, and retention is counted from `collectedAt`.
 */
export const SOURCES = [
  'signup_form', 'phone', 'email', 'facebook_login', 'google_login', 'partner', 'referral',
  'automatic', 'office_visit', 'checkout', 'support', 'purchased_list', 'public_source',
] as const;
export type Source = (typeof SOURCES)[number];

export abstract class Provenance {
  @Column({ type: 'text' })
  source!: Source;

  @Column({ name: 'collected_at', type: 'timestamptz' })
  collectedAt!: Date;
}

import { MigrationInterface, QueryRunner } from 'typeorm';
import { grantCompanyStore, revokeCompanyStore } from '../../company-store-grants';

/** The gateway's runtime role reads the billing store and, for erasure, rectification and retention, updates and deletes (src/stores/company-store-grants.ts). */
export class BillingRuntimeGrants1764140000000 implements MigrationInterface {
  name = 'BillingRuntimeGrants1764140000000';
  async up(q: QueryRunner): Promise<void> {
    await grantCompanyStore(q);
  }
  async down(q: QueryRunner): Promise<void> {
    await revokeCompanyStore(q);
  }
}

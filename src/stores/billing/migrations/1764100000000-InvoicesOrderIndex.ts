import { MigrationInterface, QueryRunner } from 'typeorm';

/** invoices.order_id cascades from orders without an index: deleting an order scanned every invoice. */
export class InvoicesOrderIndex1764100000000 implements MigrationInterface {
  name = 'InvoicesOrderIndex1764100000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX invoices_order_id_idx ON invoices (order_id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX invoices_order_id_idx`);
  }
}

import { DataSource, QueryRunner } from 'typeorm';

/**
 * The export's snapshots: one REPEATABLE READ, READ ONLY transaction per store, on its own
 * connection, so every read of a store sees it as it stood at one instant. Split out of collect.ts.
 */
type Queryable = Pick<QueryRunner, 'query'>;

export interface Snapshot {
  qr: QueryRunner;
  began: boolean;
}

export async function openSnapshot(ds: DataSource): Promise<Snapshot> {
  const qr = ds.createQueryRunner();
  const s = { qr, began: false };
  try {
    await qr.connect();
    await qr.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    s.began = true;
  } catch (err) {
    await closeSnapshot(s);
    throw err;
  }
  return s;
}

export async function closeSnapshot(s: Snapshot): Promise<void> {
  if (s.began) {
    s.began = false;
    await s.qr.query('ROLLBACK').catch(() => undefined);
  }
  if (!s.qr.isReleased) await s.qr.release().catch(() => undefined);
}

import { DataRecord } from './collect-document';
import { FieldSpec, Pass, PASSES, StoreKey } from './collect-tables';
import { Snapshot } from './collect-snapshot';

/**
 * Reading personal-data records: the per-pass SQL (keyset pages by id), the inventory count per
 * pass, and how a stored row and value appear in the document. Split out of collect.ts.
 */
export const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
/** A stored value as the document shows it. */
export function show(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  return v;
}

const presentSql = (fields: readonly FieldSpec[]) => `(${fields.map((x) => `(${x.sql}) IS NOT NULL`).join(' OR ')})`;

export function passSql(p: Pass, keyset: boolean): string {
  const cols = p.fields.map((x) => `${x.sql} AS "${x.name}"`).join(', ');
  const parent = p.spec.parent ? `, ${p.spec.parent.column}::text AS "_parent"` : '';
  return `SELECT id::text AS "_id", source AS "_source", collected_at AS "_collected_at"${parent}, ${cols}
    FROM ${p.spec.table} WHERE ${p.spec.key} = $1 AND ${presentSql(p.fields)}${keyset ? ' AND id > $3' : ''}
    ORDER BY id LIMIT $2`;
}

export function toRecord(p: Pass, r: Record<string, unknown>): DataRecord {
  const values: Record<string, unknown> = {};
  for (const x of p.fields) values[x.name] = show(r[x.name]);
  return {
    type: p.spec.type,
    id: String(r._id),
    source: String(r._source),
    collectedAt: iso(r._collected_at),
    parent: p.spec.parent && r._parent != null ? { type: p.spec.parent.type, id: String(r._parent) } : null,
    values,
  };
}

/** Per pass, how many records hold the category: one statement per store. */
export async function inventory(snapshots: Record<StoreKey, Snapshot>, customerId: string): Promise<Map<Pass, number>> {
  const out = new Map<Pass, number>();
  for (const store of ['crm', 'billing'] as const) {
    const passes = PASSES.filter((p) => p.spec.store === store);
    const sql = passes.map((p, i) => `SELECT ${i} AS n, count(*)::int AS c FROM ${p.spec.table} WHERE ${p.spec.key} = $1 AND ${presentSql(p.fields)}`).join('\nUNION ALL ');
    const rows: { n: number; c: number }[] = await snapshots[store].qr.query(sql, [customerId]);
    for (const r of rows) out.set(passes[r.n], r.c);
  }
  return out;
}

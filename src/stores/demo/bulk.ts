import type { QueryRunner } from 'typeorm';

/**
 * Fast multi-row inserts without a COPY dependency: one statement per table and batch, each
 * column passed as one array parameter and zipped back into rows by `unnest()`. A batch of a
 * thousand customers is a dozen statements instead of tens of thousands, and the parameters never
 * appear in SQL text (nor in logs: the project's TypeORM logger ignores parameters).
 */
export interface Col<R> {
  /** Column name in the table. */
  name: string;
  /** PostgreSQL element type of the array parameter, e.g. `text`, `timestamptz`, `bigint`. */
  type: string;
  /** Cast applied after unnest, for values that travel as text (e.g. `text[]` literals). */
  cast?: string;
  get: (row: R) => unknown;
}

const sqlCache = new Map<string, string>();

function insertSql(table: string, cols: readonly Col<never>[]): string {
  const key = `${table}:${cols.map((c) => `${c.name}/${c.type}/${c.cast ?? ''}`).join(',')}`;
  let sql = sqlCache.get(key);
  if (!sql) {
    const names = cols.map((c) => `"${c.name}"`).join(', ');
    const aliases = cols.map((_, i) => `c${i}`);
    const select = cols.map((c, i) => (c.cast ? `${aliases[i]}::${c.cast}` : aliases[i])).join(', ');
    const arrays = cols.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
    sql = `INSERT INTO "${table}" (${names}) SELECT ${select} FROM unnest(${arrays}) AS u(${aliases.join(', ')})`;
    sqlCache.set(key, sql);
  }
  return sql;
}

/** Inserts `rows` into `table` in one statement; returns how many rows it wrote. */
export async function insertRows<R>(qr: QueryRunner, table: string, cols: readonly Col<R>[], rows: readonly R[]): Promise<number> {
  if (rows.length === 0) return 0;
  const params = cols.map((c) => rows.map(c.get));
  await qr.query(insertSql(table, cols as readonly Col<never>[]), params);
  return rows.length;
}

/**
 * Takes `n` values from the identity sequence of `table.id`, so parent rows can be inserted with
 * known ids and their children can point at them in the same batch. The sequence stays the only
 * source of ids, so rows inserted later by the application never collide with seeded ones.
 */
export async function allocateIds(qr: QueryRunner, table: string, n: number): Promise<string[]> {
  if (n === 0) return [];
  const rows: { id: string }[] = await qr.query(
    `SELECT nextval(pg_get_serial_sequence($1, 'id'))::text AS id FROM generate_series(1, $2)`,
    [table, n],
  );
  return rows.map((r) => r.id);
}

/** A PostgreSQL array literal of text values, e.g. `{"sore throat","cough"}`, to send through a text column. */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

import { Client } from 'pg';

/**
 * What `catalog draft` and `catalog check` both read of a live database's schema, from pg_catalog
 * only (no table is read). Domains are read as their base type, arrays by their element's type.
 */
export interface LiveColumnRow {
  table: string;
  column: string;
  notNull: boolean;
  typname: string;
  typcategory: string;
  elemname: string | null;
  elemcategory: string | null;
  typmod: number;
  sqlType: string;
}

/** The columns of the schema's relations of the given kinds (pg_class.relkind), in table and column order. */
export async function readColumns(client: Client, schema: string, relkinds: readonly string[]): Promise<LiveColumnRow[]> {
  const r = await client.query<LiveColumnRow>(
    `SELECT c.relname AS table, a.attname AS column, a.attnotnull AS "notNull",
            bt.typname, bt.typcategory, et.typname AS elemname, et.typcategory AS elemcategory,
            CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod, format_type(a.atttypid, a.atttypmod) AS "sqlType"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid
       JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
       LEFT JOIN pg_type et ON bt.typcategory = 'A' AND et.oid = bt.typelem
      WHERE n.nspname = $1 AND c.relkind = ANY($2::"char"[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [schema, relkinds],
  );
  return r.rows;
}

export interface LiveKeyRow {
  table: string;
  kind: 'p' | 'f';
  columns: string[];
  /** Foreign keys: the referenced table, its schema and columns. */
  ftable: string | null;
  fschema: string | null;
  fcolumns: string[] | null;
}

/** The schema's primary and foreign keys (on partitioned tables once, not per partition), columns in key order. */
export async function readKeys(client: Client, schema: string): Promise<LiveKeyRow[]> {
  const r = await client.query<LiveKeyRow>(
    `SELECT c.relname AS table, con.contype AS kind,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            fc.relname AS ftable, fn.nspname AS fschema,
            CASE WHEN con.contype = 'f' THEN
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) END AS fcolumns
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid
       LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE n.nspname = $1 AND con.contype IN ('p', 'f') AND con.conparentid = 0
      ORDER BY c.relname, con.conname`,
    [schema],
  );
  return r.rows;
}

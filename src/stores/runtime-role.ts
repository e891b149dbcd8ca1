import { DataSource, QueryRunner } from 'typeorm';

/**
 * The two database roles (README, "For security teams"):
 *
 * - the **owner** runs the migrations (and `npm run audit -- prune`, which drops month partitions):
 *   it owns every table, trigger and function of the gateway's database;
 * - the **runtime role** is what the gateway connects as: SELECT and INSERT on the access log, its
 *   batches and the gateway's other histories (DELETE only on `rectification_values`, the pending
 *   corrected values), owning nothing, so it can neither disable a trigger nor grant itself more.
 *
 * The migrations grant to the runtime role by name. The name is a setting of the migration's
 * connection (`privacy_gateway.runtime_role`, from GATEWAY_RUNTIME_ROLE through ormconfig.ts), so
 * the committed migrations work with any role name and any PostgreSQL reached by connection string.
 *
 * `unsafePrivileges` is the other half: at start-up and on every `/readyz`, the gateway reads the
 * catalog and refuses to run when its own role could rewrite the log.
 */
export const DEFAULT_RUNTIME_ROLE = 'privacy_gateway_app';
export const RUNTIME_ROLE_SETTING = 'privacy_gateway.runtime_role';
/** A plain lower-case identifier: it is spliced into GRANT statements and connection options. */
export const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The runtime role the migrations grant to, checked: it exists, is not the role running the
 * migrations, is not a superuser and is not a member of that role. Every refusal names the fix.
 */
export async function runtimeRoleForMigration(q: Pick<QueryRunner, 'query'>): Promise<string> {
  const [{ role, me }] = await q.query(`SELECT coalesce(nullif(current_setting($1, true), ''), $2) AS role, current_user::text AS me`, [RUNTIME_ROLE_SETTING, DEFAULT_RUNTIME_ROLE]);
  const fix = 'set GATEWAY_RUNTIME_ROLE to the role the gateway connects as (README, "For security teams")';
  if (!ROLE_NAME.test(role)) throw new Error(`the gateway's runtime role name "${role}" is not a plain identifier (a-z, 0-9, _): ${fix}`);
  const [found] = await q.query(`SELECT rolsuper AS superuser, pg_has_role(oid, current_user, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1`, [role]);
  if (!found) {
    throw new Error(`the gateway's runtime role "${role}" does not exist: create it first (CREATE ROLE ${role} LOGIN PASSWORD '...'), or ${fix}`);
  }
  if (role === me) {
    throw new Error(`the migrations run as "${role}", the gateway's runtime role: run them as the owner, another role, or ${fix}`);
  }
  if (found.superuser) throw new Error(`the gateway's runtime role "${role}" is a superuser: ALTER ROLE ${role} NOSUPERUSER`);
  if (found.member) throw new Error(`the gateway's runtime role "${role}" is a member of "${me}", the role running the migrations: REVOKE ${me} FROM ${role}`);
  return role;
}

interface Attributes { role: string; superuser: boolean; createrole: boolean }
interface Owned { kind: string; name: string; owner: string }
interface Granted { table: string; privilege: string; grantee: string; grantable: boolean; column: string | null }

/** Privileges the runtime role must not hold on a table of the gateway database, and the one exception. */
const FORBIDDEN = ['UPDATE', 'DELETE', 'TRUNCATE', 'TRIGGER'];
const ALLOWED = new Set(['rectification_values DELETE']);

const ATTRIBUTES = `SELECT current_user::text AS role, rolsuper AS superuser, rolcreaterole AS createrole FROM pg_roles WHERE rolname = current_user`;

/** What the connection's role owns, itself or through a role it is a member of. */
const OWNED = `
  SELECT o.kind, o.name, pg_get_userbyid(o.owner)::text AS owner FROM (
    SELECT 0 AS ord, 'database' AS kind, datname::text AS name, datdba AS owner FROM pg_database WHERE datname = current_database()
    UNION ALL
    SELECT 1, 'schema', nspname::text, nspowner FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
    UNION ALL
    SELECT 2, CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'view' ELSE 'table' END, c.relname::text, c.relowner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    UNION ALL
    SELECT 3, 'function', p.oid::regprocedure::text, p.proowner
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
  ) o
  WHERE pg_has_role(current_user, o.owner, 'MEMBER')
  ORDER BY o.ord, o.name`;

/**
 * Grants on tables (and columns) that reach the connection's role, directly, through PUBLIC or
 * through a role it is a member of, that would let it change or remove rows, add a trigger, or
 * pass a privilege on. The owner's own entries are left out: ownership is reported by OWNED.
 */
const GRANTED = `
  SELECT raw.tbl AS "table", raw.privilege, raw.grantable, raw.col AS "column",
         CASE WHEN raw.grantee_oid = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(raw.grantee_oid)::text END AS grantee
  FROM (
    SELECT c.relname::text AS tbl, a.privilege_type AS privilege, a.grantee AS grantee_oid, a.is_grantable AS grantable, NULL::text AS col, c.relowner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(c.relacl) a
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    UNION ALL
    SELECT c.relname::text, a.privilege_type, a.grantee, a.is_grantable, t.attname::text, c.relowner
    FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(t.attacl) a
    WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND t.attacl IS NOT NULL
  ) raw
  WHERE (raw.grantee_oid = 0 OR pg_has_role(current_user, raw.grantee_oid, 'MEMBER'))
    AND raw.grantee_oid <> raw.relowner
    AND (raw.privilege = ANY($1) OR raw.grantable)
  ORDER BY raw.tbl, raw.col NULLS FIRST, raw.privilege, grantee`;

function listed(names: string[], max = 6): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * Why the connection's role must not run the gateway, one sentence per wrong grant, each saying
 * what to change; empty when it is fit. For the gateway's own database (`full`) everything is
 * checked: role attributes, anything owned, and any grant that allows UPDATE, DELETE, TRUNCATE or
 * TRIGGER (but DELETE on rectification_values) or that may be granted on. For the CRM and billing
 * stores only the role's attributes: a superuser (or a role that can create roles) on a store on
 * the same server reaches the log too.
 */
export async function unsafePrivileges(ds: Pick<DataSource, 'query'>, opts: { full: boolean }): Promise<string[]> {
  const problems: string[] = [];
  const [me] = (await ds.query(ATTRIBUTES)) as Attributes[];
  if (me.superuser) problems.push(`${me.role} is a superuser: the gateway must connect as a role that is not (ALTER ROLE ${me.role} NOSUPERUSER)`);
  if (me.createrole && !me.superuser) problems.push(`${me.role} may create roles and grant them (ALTER ROLE ${me.role} NOCREATEROLE)`);
  if (!opts.full || me.superuser) return problems;

  // What pg_database_owner owns (the public schema, since PostgreSQL 15) is the database owner's: reported as the database.
  const owned = ((await ds.query(OWNED)) as Owned[]).filter((o) => o.owner !== 'pg_database_owner');
  const byOwner = new Map<string, string[]>();
  for (const o of owned) byOwner.set(o.owner, [...(byOwner.get(o.owner) ?? []), `${o.kind} ${o.name}`]);
  for (const [owner, things] of byOwner) {
    const who = owner === me.role ? `${me.role} owns` : `${me.role} is a member of ${owner}, which owns`;
    const fix = owner === me.role ? 'the owner must be another role, the one that runs the migrations' : `REVOKE ${owner} FROM ${me.role}`;
    problems.push(`${who} ${listed(things)}: the gateway's role must own nothing (${fix})`);
  }

  const granted = ((await ds.query(GRANTED, [FORBIDDEN])) as Granted[])
    .filter((g) => g.grantable || !ALLOWED.has(`${g.table} ${g.privilege}`));
  const grouped = new Map<string, { table: string; grantee: string; column: string | null; privileges: string[]; grantable: string[] }>();
  for (const g of granted) {
    const key = `${g.table}|${g.column ?? ''}|${g.grantee}`;
    const entry = grouped.get(key) ?? { table: g.table, grantee: g.grantee, column: g.column, privileges: [], grantable: [] };
    if (FORBIDDEN.includes(g.privilege) && !ALLOWED.has(`${g.table} ${g.privilege}`)) entry.privileges.push(g.privilege);
    if (g.grantable) entry.grantable.push(g.privilege);
    grouped.set(key, entry);
  }
  for (const e of grouped.values()) {
    const on = e.column ? `column ${e.column} of ${e.table}` : e.table;
    const via = e.grantee === me.role ? '' : e.grantee === 'PUBLIC' ? ' (granted to PUBLIC)' : ` (through ${e.grantee})`;
    const target = e.column ? `(${e.column}) ON ${e.table}` : `ON ${e.table}`;
    if (e.privileges.length) {
      problems.push(`${me.role} may ${e.privileges.join(', ')} ${on}${via}: REVOKE ${e.privileges.join(', ')} ${target} FROM ${e.grantee}`);
    }
    if (e.grantable.length) {
      problems.push(`${me.role} may grant ${e.grantable.join(', ')} on ${on} to others${via}: REVOKE GRANT OPTION FOR ${e.grantable.join(', ')} ${target} FROM ${e.grantee}`);
    }
  }
  return problems;
}

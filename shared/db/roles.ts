import type { Knex } from 'knex';

/**
 * The database roles of a deployment. Migrations run as the owner of the schema (in Cloud SQL
 * the built-in user Terraform creates, a member of cloudsqlsuperuser); the functions log in as
 * their own users (Cloud SQL IAM users, one per function), each a member of RUNTIME_ROLE and
 * nothing else. RUNTIME_ROLE may read and write the rows of the application's tables and use
 * their sequences: it can neither change nor drop a table (only an owner can), nor truncate
 * one, nor write the migration bookkeeping. The migration 20261201090000_runtime_role creates
 * it and grants those privileges, now and (default privileges) on every table later
 * migrations create.
 */
// Never renamed: a migration applied long ago created the role under this name.
export const RUNTIME_ROLE = 'manifest_runtime';

/**
 * Roles whose members can do far more than the functions need: Cloud SQL's administrative
 * group (CREATEROLE, CREATEDB, extensions). A login in one of them is never made a runtime user.
 */
export const ADMIN_GROUPS = ['cloudsqlsuperuser'];

interface LoginRow {
  rolname: string;
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolbypassrls: boolean;
  groups: string[] | null;
  owns: number;
}

/** Why a login must not be a runtime user; empty when it may be. */
function overreach(row: LoginRow, adminGroups: string[]): string[] {
  const reasons: string[] = [];
  if (row.rolsuper) reasons.push('is a superuser');
  if (row.rolcreaterole) reasons.push('may create roles');
  if (row.rolcreatedb) reasons.push('may create databases');
  if (row.rolbypassrls) reasons.push('bypasses row-level security');
  for (const group of row.groups ?? [])
    if (adminGroups.includes(group)) reasons.push(`is a member of ${group}`);
  if (row.owns > 0) reasons.push(`owns ${row.owns} table(s) of this database`);
  return reasons;
}

/**
 * Makes each login a member of RUNTIME_ROLE, after checking that it can do nothing more than
 * that role allows: not a superuser, no CREATEROLE, CREATEDB or BYPASSRLS, in none of
 * `adminGroups` (directly or through another role), owner of no table. Run as the migration
 * owner (it created RUNTIME_ROLE, so it may grant it), after the logins exist.
 * @throws naming each login that does not exist or could do more, before granting anything
 */
export async function grantRuntimeRole(
  db: Knex,
  logins: string[],
  adminGroups: string[] = ADMIN_GROUPS,
): Promise<void> {
  const { rows } = await db.raw<{ rows: LoginRow[] }>(
    `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls,
            (SELECT array_agg(g.rolname::text) FROM pg_roles g
              WHERE g.oid <> r.oid AND pg_has_role(r.oid, g.oid, 'MEMBER')) AS groups,
            (SELECT count(*)::int FROM pg_tables t
              WHERE t.schemaname = 'public' AND t.tableowner = r.rolname) AS owns
       FROM pg_roles r
      WHERE r.rolname = ANY(?)`,
    [logins],
  );
  const problems: string[] = [];
  for (const login of logins) {
    const row = rows.find((r) => r.rolname === login);
    if (!row) problems.push(`${login} does not exist`);
    else
      for (const reason of overreach(row, adminGroups))
        problems.push(`${login} ${reason}: it must not run the functions`);
  }
  if (problems.length) throw new Error(problems.join('; '));
  for (const login of logins) await db.raw('GRANT ?? TO ??', [RUNTIME_ROLE, login]);
}

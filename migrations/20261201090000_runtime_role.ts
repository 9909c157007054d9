import type { Knex } from 'knex';
import { RUNTIME_ROLE } from '../shared/db/roles';

/**
 * The role the functions run as (RUNTIME_ROLE, shared/db/roles.ts): the rows of the
 * application's tables and their sequences, nothing more. The tables stay owned by the role
 * that runs the migrations, so only it can alter, drop or truncate them. Default privileges
 * give the same on every table and sequence a later migration creates (as the same owner).
 * The migration bookkeeping is read-only to it: a function checks that its schema is current,
 * and nothing else. The role is created once per server (roles are not per database), so a
 * second database, or two migrating at once, find it there. It uses the schema through
 * PUBLIC's USAGE, as every role does.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    DO $$
    BEGIN
      CREATE ROLE ${RUNTIME_ROLE} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL;
    END
    $$;

    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${RUNTIME_ROLE};
    REVOKE INSERT, UPDATE, DELETE ON knex_migrations, knex_migrations_lock FROM ${RUNTIME_ROLE};
    GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${RUNTIME_ROLE};

    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${RUNTIME_ROLE};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      GRANT USAGE ON SEQUENCES TO ${RUNTIME_ROLE};
  `);
}

/** Takes the privileges back; the role stays (other databases of the server may use it). */
export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      REVOKE USAGE ON SEQUENCES FROM ${RUNTIME_ROLE};
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${RUNTIME_ROLE};
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${RUNTIME_ROLE};
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${RUNTIME_ROLE};
  `);
}

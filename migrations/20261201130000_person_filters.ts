import type { Knex } from 'knex';

/**
 * Indexes for the filters of `GET /people` (shared/people/repository.ts: listPeople). A list
 * page is `WHERE <filters> AND id > <cursor> ORDER BY id LIMIT n`: with an index on
 * (column, id) for each equality filter, the planner seeks to the cursor within the filter's
 * value and reads the page in order, so a page deep in a filtered list costs what the first
 * does (bench: "filtered deep page vs filtered first page"); a second filter is checked on the
 * rows read. `name` is a case-insensitive substring (ILIKE '%…%'), which no btree serves: a
 * trigram index (pg_trgm, which Cloud SQL offers and PGlite loads as the same extension) finds
 * the matching rows, however deep.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX person_passenger_class_id ON person (passenger_class, id);
    CREATE INDEX person_sex_id ON person (sex, id);
    CREATE INDEX person_survived_id ON person (survived, id);
    CREATE INDEX person_name_trigrams ON person USING gin (name gin_trgm_ops);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP INDEX person_name_trigrams;
    DROP INDEX person_survived_id;
    DROP INDEX person_sex_id;
    DROP INDEX person_passenger_class_id;
  `);
}

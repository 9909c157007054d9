import type { Knex } from 'knex';
import * as createPerson from './20261123090000_create_person';
import * as createEvents from './20261123120000_create_events';
import * as runtimeRole from './20261201090000_runtime_role';
import * as deadLetterRedrive from './20261201120000_dead_letter_redrive';
import * as personFilters from './20261201130000_person_filters';
import * as passengerStatsShards from './20261201170000_passenger_stats_shards';

/** One schema change: its name is stored in `knex_migrations` once applied. */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Every migration, oldest first. Listed explicitly (not read from the directory) so each
 * function bundle carries them and can tell whether its database is current.
 * `npm run migrate:make -- <name>` adds new files here; a test checks the list matches the folder.
 */
export const migrations: readonly Migration[] = [
  { name: '20261123090000_create_person', ...createPerson },
  { name: '20261123120000_create_events', ...createEvents },
  { name: '20261201090000_runtime_role', ...runtimeRole },
  { name: '20261201120000_dead_letter_redrive', ...deadLetterRedrive },
  { name: '20261201130000_person_filters', ...personFilters },
  { name: '20261201170000_passenger_stats_shards', ...passengerStatsShards },
];

import type { Knex } from 'knex';

/**
 * Dead-letter redrive (shared/events/redrive.ts):
 * - a dead letter is resolved once, by a replay or a discard, and says when, by whom and how;
 *   a message Pub/Sub dead-lettered (the dead-letter topic's retained subscription) is copied
 *   here when it is resolved, so the history of both kinds is in one table;
 * - a replay is an outbox row of its own for the event (so an event id may now appear more
 *   than once in the outbox, once as the original), carrying the dead letter it replays and
 *   the one consumer it is for;
 * - the unresolved dead letters have an index of their own: /health counts them on every poll.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE dead_letter
      ADD COLUMN source text NOT NULL DEFAULT 'consumer'
        CONSTRAINT dead_letter_source_known CHECK (source IN ('consumer', 'pubsub')),
      ADD COLUMN resolution text
        CONSTRAINT dead_letter_resolution_known CHECK (resolution IN ('replayed', 'discarded')),
      ADD COLUMN resolved_at timestamptz,
      ADD COLUMN resolved_by text,
      ADD COLUMN replay_outbox_id bigint,
      ADD CONSTRAINT dead_letter_resolved_whole CHECK (
        (resolution IS NULL) = (resolved_at IS NULL) AND (resolution IS NULL) = (resolved_by IS NULL)
      );
    CREATE INDEX dead_letter_unresolved ON dead_letter (received_at) WHERE resolved_at IS NULL;
    -- A Pub/Sub dead letter is copied once: a replay interrupted before its acknowledgement
    -- finds its copy and only acknowledges.
    CREATE UNIQUE INDEX dead_letter_pubsub_message ON dead_letter (message_id)
      WHERE source = 'pubsub';

    ALTER TABLE outbox
      ADD COLUMN redrive_of text,
      ADD COLUMN redrive_consumer text;
    ALTER TABLE outbox DROP CONSTRAINT outbox_event_id_key;
    CREATE UNIQUE INDEX outbox_event_id ON outbox (event_id) WHERE redrive_of IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM outbox WHERE redrive_of IS NOT NULL;
    DROP INDEX outbox_event_id;
    ALTER TABLE outbox ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);
    ALTER TABLE outbox DROP COLUMN redrive_consumer, DROP COLUMN redrive_of;

    DELETE FROM dead_letter WHERE source = 'pubsub';
    DROP INDEX dead_letter_pubsub_message;
    DROP INDEX dead_letter_unresolved;
    ALTER TABLE dead_letter
      DROP CONSTRAINT dead_letter_resolved_whole,
      DROP COLUMN replay_outbox_id,
      DROP COLUMN resolved_by,
      DROP COLUMN resolved_at,
      DROP COLUMN resolution,
      DROP COLUMN source;
  `);
}

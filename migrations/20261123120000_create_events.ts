import type { Knex } from 'knex';

/**
 * The event machinery: the transactional outbox, what each consumer has processed (its
 * idempotency record), messages refused as invalid, and the two read models.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    -- Written in the same transaction as the change it describes; published after commit.
    -- id gives the publishing order; next_attempt_at carries the per-row backoff.
    CREATE TABLE outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      subject uuid NOT NULL,
      payload jsonb NOT NULL,
      traceparent text,
      created_at timestamptz NOT NULL DEFAULT now(),
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      sent_at timestamptz,
      message_id text
    );
    CREATE INDEX outbox_pending ON outbox (next_attempt_at, id) WHERE sent_at IS NULL;
    CREATE INDEX outbox_sent_at ON outbox (sent_at) WHERE sent_at IS NOT NULL;

    -- One row per (consumer, event) applied: written in the same transaction as the effect,
    -- so a redelivered event finds its row and changes nothing.
    CREATE TABLE processed_event (
      consumer text NOT NULL,
      event_id uuid NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    );
    CREATE INDEX processed_event_processed_at ON processed_event (processed_at);

    -- Messages a consumer acknowledged without applying, because they can never be applied.
    CREATE TABLE dead_letter (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      consumer text NOT NULL,
      message_id text,
      event_id text,
      reason text NOT NULL,
      attributes jsonb NOT NULL DEFAULT '{}',
      data text,
      data_bytes integer NOT NULL DEFAULT 0,
      received_at timestamptz NOT NULL DEFAULT now()
    );

    -- Read model of project-stats: per passenger class and sex.
    CREATE TABLE passenger_stats (
      passenger_class smallint NOT NULL,
      sex text NOT NULL,
      passengers bigint NOT NULL DEFAULT 0,
      survivors bigint NOT NULL DEFAULT 0,
      age_sum numeric NOT NULL DEFAULT 0,
      fare_sum numeric NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (passenger_class, sex)
    );

    -- Read model of audit-log: every event, once.
    CREATE TABLE audit_log (
      event_id uuid PRIMARY KEY,
      type text NOT NULL,
      subject uuid NOT NULL,
      actor text NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      trace_id text,
      message_id text,
      payload jsonb NOT NULL
    );
    CREATE INDEX audit_log_subject ON audit_log (subject, occurred_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE audit_log;
    DROP TABLE passenger_stats;
    DROP TABLE dead_letter;
    DROP TABLE processed_event;
    DROP TABLE outbox;
  `);
}

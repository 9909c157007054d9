import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../validation';

/**
 * Every setting manifest reads, in one schema: name, type, default, allowed values and
 * description. The README's settings table is checked against this object by a test,
 * and `.env.example` lists the same names.
 *
 * Values arrive as strings from the environment; `loadConfig` coerces them to the types
 * declared here (integers, booleans) and reports every problem at once.
 */
export const Settings = Type.Object(
  {
    APP_ENV: StringEnum(['development', 'testing', 'production'], {
      default: 'development',
      description: 'Which environment this instance serves.',
    }),
    PORT: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 8080,
      description: 'Port the local stack (or a single function) listens on.',
    }),
    LOG_LEVEL: StringEnum(['debug', 'info', 'warn', 'error'], {
      default: 'info',
      description: 'Lowest severity written to the log.',
    }),
    GOOGLE_CLOUD_PROJECT: Type.String({
      minLength: 1,
      default: 'demo-manifest',
      description:
        'Google Cloud project id; log lines name their trace as `projects/<id>/traces/<trace>`.',
    }),
    DATABASE_URL: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'PostgreSQL connection URL (`postgres://user@host:5432/db`). Unset: the embedded PGlite database under `DATA_DIR`.',
      }),
    ),
    DATA_DIR: Type.String({
      minLength: 1,
      default: '.data',
      description:
        'Where the embedded PGlite database keeps its files (used when `DATABASE_URL` is unset).',
    }),
    DB_POOL_MAX: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 5,
      description:
        'Most database connections one instance opens. Keep it small: every instance of every function has its own pool.',
    }),
    DB_POOL_IDLE_MS: Type.Integer({
      minimum: 100,
      default: 10000,
      description:
        'An idle connection is closed after this many milliseconds, so an instance parked between requests holds none.',
    }),
    DB_CONNECT_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      default: 5000,
      description:
        'How long a request waits for a database connection before it is answered 503 with `Retry-After`.',
    }),
    DB_STATEMENT_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      default: 15000,
      description: 'PostgreSQL `statement_timeout` for every connection.',
    }),
    PUBSUB_EMULATOR_HOST: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'host:port of the Pub/Sub emulator. Set: events go through the emulator (the local stack creates its topics and push subscriptions). Unset locally: the in-process bus.',
      }),
    ),
    EVENTS_TOPIC: Type.String({
      minLength: 3,
      default: 'manifest-events',
      description: 'Pub/Sub topic every change is published to.',
    }),
    DEAD_LETTER_TOPIC: Type.String({
      minLength: 3,
      default: 'manifest-events-dead-letter',
      description: 'Where a subscription forwards a message after its last failed delivery.',
    }),
    RELAY_TOPIC: Type.String({
      minLength: 3,
      default: 'manifest-relay-tick',
      description: 'Topic whose ticks (Cloud Scheduler; a timer locally) run `relay-outbox`.',
    }),
    RELAY_INTERVAL_MS: Type.Integer({
      minimum: 100,
      default: 2000,
      description:
        'Local stack only: how often the timer ticks `relay-outbox` (Cloud Scheduler ticks every minute).',
    }),
    RELAY_BATCH_SIZE: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: 'Outbox rows `relay-outbox` locks and publishes per transaction.',
    }),
    OUTBOX_FAST_PATH_MS: Type.Integer({
      minimum: 0,
      default: 5000,
      description:
        'How long the relay leaves a new outbox row to the request that wrote it (which publishes right after commit) before publishing it itself.',
    }),
    OUTBOX_RETENTION_HOURS: Type.Integer({
      minimum: 1,
      default: 192,
      description:
        "Sent outbox rows and consumers' processed-event records are kept this long: longer than Pub/Sub keeps a message (7 days), so any redelivery is still recognised.",
    }),
    PUBLISH_TIMEOUT_MS: Type.Integer({
      minimum: 50,
      default: 2000,
      description: 'How long a publish may take before the outbox row is left for the relay.',
    }),
  },
  { additionalProperties: true },
);

/** The validated configuration of one instance. */
export type Config = Static<typeof Settings>;

/** Names of every setting, in schema order. */
export const settingNames = Object.keys(Settings.properties) as (keyof Config)[];

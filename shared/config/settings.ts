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
    LOG_FORMAT: Type.Optional(
      StringEnum(['json', 'pretty'], {
        description:
          "How log lines are written: `json` (Cloud Logging's structured lines) or `pretty` (one coloured line per entry, by pino-pretty). Unset: `pretty` when `APP_ENV` is `development` and stdout is a terminal (not on Cloud Run), `json` everywhere else.",
      }),
    ),
    LOG_REQUESTS: Type.Boolean({
      default: false,
      description:
        'Write one log line per HTTP request (method, URL, status, latency, trace). Off: Cloud Run logs every request itself (run.googleapis.com/requests), and a line of ours costs about 0.5 KiB of billed ingestion each.',
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
        'x-secret': true,
        description:
          'PostgreSQL connection URL (`postgres://user@host:5432/db`). Unset (and no `DATABASE_HOST` or `CLOUD_SQL_INSTANCE`): the embedded PGlite database under `DATA_DIR`.',
      }),
    ),
    DATABASE_HOST: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'PostgreSQL host, instead of `DATABASE_URL` (with `DATABASE_PORT`, `DATABASE_NAME`, `DATABASE_USER`, `DATABASE_PASSWORD`).',
      }),
    ),
    DATABASE_PORT: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 5432,
      description: 'PostgreSQL port, with `DATABASE_HOST`.',
    }),
    DATABASE_NAME: Type.String({
      minLength: 1,
      default: 'manifest',
      description: 'Database name, with `DATABASE_HOST` or `CLOUD_SQL_INSTANCE`.',
    }),
    DATABASE_USER: Type.String({
      minLength: 1,
      default: 'postgres',
      description: 'Database user, with `DATABASE_HOST` or `CLOUD_SQL_INSTANCE`.',
    }),
    DATABASE_PASSWORD: Type.Optional(
      Type.String({
        minLength: 1,
        'x-secret': true,
        description:
          'Database password; joins `DATABASE_URL`, `DATABASE_HOST` or `CLOUD_SQL_INSTANCE`. In the cloud an `sm://` reference. Read again after `SECRET_TTL_SECONDS` for new connections, and at once when the database refuses it (a rotated password): the connection is then retried.',
      }),
    ),
    CLOUD_SQL_INSTANCE: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9.:-]+:[a-z0-9-]+:[a-z0-9-]+$',
        'x-pattern-message': 'must be PROJECT:REGION:INSTANCE',
        description:
          'Cloud SQL instance connection name (`project:region:instance`): connect through the Cloud SQL Node.js connector (mutual TLS, IAM-authorised, no public IP needed).',
      }),
    ),
    CLOUD_SQL_IP_TYPE: StringEnum(['PRIVATE', 'PUBLIC', 'PSC'], {
      default: 'PRIVATE',
      description: 'Which address of the Cloud SQL instance the connector uses.',
    }),
    CLOUD_SQL_AUTH_TYPE: StringEnum(['PASSWORD', 'IAM'], {
      default: 'PASSWORD',
      description:
        "How the connector signs in to Cloud SQL: `PASSWORD` (`DATABASE_USER` with `DATABASE_PASSWORD`), or `IAM` (IAM database authentication: `DATABASE_USER` is the service account's email without `.gserviceaccount.com`, and no password exists).",
    }),
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
        "Most database connections one instance opens. Keep it small: every instance of every function has its own pool. Deployed, it is each function's `sizing.db_pool_max` (terraform/README.md, Sizing).",
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
    SECRET_TTL_SECONDS: Type.Integer({
      minimum: 1,
      default: 300,
      description:
        'How long a value read from Secret Manager is used before it is read again (so a rotated secret is picked up without a redeploy). A database password the server refuses is read again at once, whatever its age.',
    }),
    SECRET_MANAGER_ENDPOINT: Type.Optional(
      Type.String({
        pattern: '^[^:]+:[0-9]+$',
        'x-pattern-message': 'must be host:port',
        description:
          'host:port of a Secret Manager server reached over plaintext gRPC (a local fake, in tests). Unset: Google Cloud.',
      }),
    ),
    API_KEYS: Type.Optional(
      Type.String({
        minLength: 1,
        'x-secret': true,
        description:
          'Comma-separated keys allowed to write, each `label=key` or just `key` (at least 16 characters). Unset: writes are open (refused in production).',
      }),
    ),
    READ_REQUIRES_AUTH: Type.Boolean({
      default: false,
      description: 'Require an API key for reads too (`/health` stays open).',
    }),
    PUBSUB_EMULATOR_HOST: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'host:port of the Pub/Sub emulator. Set: events go through the emulator (the local stack creates its topics and push subscriptions). Unset locally: the in-process bus.',
      }),
    ),
    LOCAL_PUSH_HOST: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description:
        'Local stack with the emulator: the host the emulator pushes to (this machine; set it when the emulator runs elsewhere, e.g. in another container).',
    }),
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
        'How long the relay leaves a new outbox row to the request that wrote it (which publishes it before answering, for at most PUBLISH_TIMEOUT_MS) before publishing it itself.',
    }),
    OUTBOX_RETENTION_HOURS: Type.Integer({
      minimum: 1,
      default: 192,
      description:
        "Sent outbox rows and consumers' processed-event records are kept this long: longer than Pub/Sub keeps a message (7 days), so any redelivery is still recognised.",
    }),
    HEALTH_OUTBOX_MAX_AGE_SECONDS: Type.Integer({
      minimum: 10,
      default: 300,
      description:
        '`/health` reports `degraded` when an outbox row has been pending longer than this: missed by its writer and by several relay ticks.',
    }),
    PUBLISH_TIMEOUT_MS: Type.Integer({
      minimum: 50,
      default: 2000,
      description:
        'How long a write waits for its event to be published before it answers anyway, leaving the outbox row to the relay (and how long the relay waits for each publish).',
    }),
  },
  { additionalProperties: true },
);

/** The validated configuration of one instance. */
export type Config = Static<typeof Settings>;

/** Names of every setting, in schema order. */
export const settingNames = Object.keys(Settings.properties) as (keyof Config)[];

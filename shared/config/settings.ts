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
  },
  { additionalProperties: true },
);

/** The validated configuration of one instance. */
export type Config = Static<typeof Settings>;

/** Names of every setting, in schema order. */
export const settingNames = Object.keys(Settings.properties) as (keyof Config)[];

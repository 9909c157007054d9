import type { Config } from '../config';

/**
 * What each function needs when deployed, declared once in code. Terraform (terraform/) must
 * declare the same: test/infra checks the two agree (functions, their triggers, the secrets
 * each may read, the settings each is given), and a unit test checks this list against the
 * functions/ folders.
 */
export interface FunctionDeployment {
  /** Folder under functions/, registered target, Cloud Functions name suffix. */
  name: string;
  /** `http`: serves requests; `event`: receives Pub/Sub pushes (see shared/events/subscriptions.ts). */
  kind: 'http' | 'event';
  /** Only reads: may be opened to allUsers by a variable (never a function that writes). */
  readOnly: boolean;
  /** Secret-valued settings it reads: the only secrets its service account may access. */
  secrets: ('API_KEYS' | 'DATABASE_PASSWORD')[];
  /** Publishes to the events topic (needs roles/pubsub.publisher on it, and nothing more). */
  publishesEvents: boolean;
  /** Settings it is deployed with, as environment variables (secrets as sm:// references). */
  settings: (keyof Config)[];
}

/** Every function reaches the database the same way. */
const DATABASE: (keyof Config)[] = [
  'CLOUD_SQL_INSTANCE',
  'CLOUD_SQL_IP_TYPE',
  'DATABASE_NAME',
  'DATABASE_USER',
  'DATABASE_PASSWORD',
  'DB_POOL_MAX',
];
const COMMON: (keyof Config)[] = [
  'APP_ENV',
  'GOOGLE_CLOUD_PROJECT',
  'LOG_LEVEL',
  'SECRET_TTL_SECONDS',
  ...DATABASE,
];

export const deployments: FunctionDeployment[] = [
  {
    name: 'people',
    kind: 'http',
    readOnly: false,
    secrets: ['API_KEYS', 'DATABASE_PASSWORD'],
    publishesEvents: true,
    settings: [
      ...COMMON,
      'API_KEYS',
      'READ_REQUIRES_AUTH',
      'EVENTS_TOPIC',
      'PUBLISH_TIMEOUT_MS',
      'OUTBOX_FAST_PATH_MS',
    ],
  },
  {
    name: 'stats',
    kind: 'http',
    readOnly: true,
    secrets: ['API_KEYS', 'DATABASE_PASSWORD'],
    publishesEvents: false,
    settings: [...COMMON, 'API_KEYS', 'READ_REQUIRES_AUTH'],
  },
  {
    name: 'health',
    kind: 'http',
    readOnly: true,
    secrets: ['DATABASE_PASSWORD'],
    publishesEvents: false,
    settings: [...COMMON],
  },
  {
    name: 'project-stats',
    kind: 'event',
    readOnly: false,
    secrets: ['DATABASE_PASSWORD'],
    publishesEvents: false,
    settings: [...COMMON],
  },
  {
    name: 'audit-log',
    kind: 'event',
    readOnly: false,
    secrets: ['DATABASE_PASSWORD'],
    publishesEvents: false,
    settings: [...COMMON],
  },
  {
    name: 'relay-outbox',
    kind: 'event',
    readOnly: false,
    secrets: ['DATABASE_PASSWORD'],
    publishesEvents: true,
    settings: [
      ...COMMON,
      'EVENTS_TOPIC',
      'PUBLISH_TIMEOUT_MS',
      'RELAY_BATCH_SIZE',
      'OUTBOX_RETENTION_HOURS',
    ],
  },
];

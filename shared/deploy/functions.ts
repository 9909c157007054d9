import type { Config } from '../config';
import { auditLogRouter } from '../audit/consumer';
import type { EventRouter } from '../events/router';
import { projectStatsRouter } from '../stats/consumer';

/**
 * The function registry: every function manifest deploys, declared once. The rest follows from
 * it: the local stack loads and serves these functions, `npm run build` bundles them, the push
 * subscriptions come from the event functions' `push` (subscriptions.ts), and Terraform
 * restates it in terraform/declarations.tf. A unit test checks it against the functions/
 * folders, test/infra checks Terraform against it, and no function's bundle imports it.
 */
export type FunctionDeployment = DeploymentBase & (HttpTrigger | PushTrigger);

interface DeploymentBase {
  /** Folder under functions/, registered target, Cloud Run service name. */
  name: string;
  /** Only reads: may be made public by a variable (Cloud Run's invoker check off; never a function that writes). */
  readOnly: boolean;
  /** Secret-valued settings it reads: the only secrets its service account may access. */
  secrets: ('API_KEYS' | 'DATABASE_PASSWORD')[];
  /** Publishes to the events topic (needs roles/pubsub.publisher on it, and nothing more). */
  publishesEvents: boolean;
  /** Settings it is deployed with, as environment variables (secrets as sm:// references). */
  settings: (keyof Config)[];
}

/** Serves HTTP requests. */
interface HttpTrigger {
  kind: 'http';
  /**
   * The request its image's build sends while writing the code cache (scripts/compile-cache.ts):
   * the first an instance most likely answers, so that its code is compiled before any is.
   */
  warmUpPath: string;
}

/** Receives Pub/Sub pushes from its own subscription (see subscriptions.ts). */
interface PushTrigger {
  kind: 'event';
  push: {
    /** The setting that names the topic it receives from. */
    topic: 'EVENTS_TOPIC' | 'RELAY_TOPIC';
    /** The consumer's routes: their patterns are the subscription's filter. None: every message. */
    router?: EventRouter;
    /** Redelivery with exponential backoff; after maxDeliveryAttempts, the dead-letter topic. */
    retry: {
      minimumBackoffSeconds: number;
      maximumBackoffSeconds: number;
      maxDeliveryAttempts: number;
    };
  };
}

/**
 * Every function reaches the database the same way: as its own IAM database user (its service
 * account; no password), a member of the runtime role (shared/db/roles.ts). The password of
 * the schema's owner is for migrations only, so no function may read it.
 */
const DATABASE: (keyof Config)[] = [
  'CLOUD_SQL_INSTANCE',
  'CLOUD_SQL_IP_TYPE',
  'CLOUD_SQL_AUTH_TYPE',
  'DATABASE_NAME',
  'DATABASE_USER',
  'DB_POOL_MAX',
];
const COMMON: (keyof Config)[] = [
  'APP_ENV',
  'GOOGLE_CLOUD_PROJECT',
  'LOG_LEVEL',
  'LOG_REQUESTS',
  'SECRET_TTL_SECONDS',
  ...DATABASE,
];

/**
 * A read model's consumer: receives the events its routes match, redelivered with backoff for
 * about an hour, then dead-lettered. It is named after its routes' consumer, so its function,
 * its subscription and its idempotency records share one name.
 */
function consumer(router: EventRouter): FunctionDeployment {
  return {
    name: router.consumer,
    kind: 'event',
    push: {
      topic: 'EVENTS_TOPIC',
      router,
      retry: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 600, maxDeliveryAttempts: 10 },
    },
    readOnly: false,
    secrets: [],
    publishesEvents: false,
    settings: [...COMMON],
  };
}

/** Every function manifest deploys, in the order the local stack lists and serves them. */
export const deployments: FunctionDeployment[] = [
  {
    name: 'people',
    kind: 'http',
    warmUpPath: '/people?limit=1',
    readOnly: false,
    secrets: ['API_KEYS'],
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
    warmUpPath: '/stats',
    readOnly: true,
    secrets: ['API_KEYS'],
    publishesEvents: false,
    settings: [...COMMON, 'API_KEYS', 'READ_REQUIRES_AUTH'],
  },
  {
    name: 'health',
    kind: 'http',
    warmUpPath: '/health',
    readOnly: true,
    secrets: [],
    publishesEvents: false,
    settings: [...COMMON, 'HEALTH_OUTBOX_MAX_AGE_SECONDS'],
  },
  consumer(projectStatsRouter),
  consumer(auditLogRouter),
  {
    name: 'relay-outbox',
    kind: 'event',
    // A tick that fails is soon replaced by the next one: retry briefly, then give up.
    push: {
      topic: 'RELAY_TOPIC',
      retry: { minimumBackoffSeconds: 10, maximumBackoffSeconds: 60, maxDeliveryAttempts: 5 },
    },
    readOnly: false,
    secrets: [],
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

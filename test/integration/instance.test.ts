import { resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { config } from '../../shared/config';
import { database } from '../../shared/db';
import { PubSubPublisher, publisher, usePublisher } from '../../shared/events/publisher';
import { allowedKeys } from '../../shared/http/auth';
import { deployments } from '../../shared/deploy/functions';
import { redact, registerSecret } from '../../shared/logging';
import { instanceReady, isInstanceReady } from '../../shared/runtime/instance';
import { shutdownSteps } from '../../shared/runtime/shutdown';
import { resetInstance } from '../../shared/runtime/testing';
import { createTestDatabase, databaseLegs, type TestDatabase } from '../support/database-legs';
import { RecordingPublisher } from '../support/events';
import { capturedLogs, logBuffer } from '../support/logs';

const FUNCTIONS = resolve(__dirname, '../../functions');
const SHARED = resolve(__dirname, '../../shared');

describe('the entry of every function', () => {
  it.each(deployments.map((d) => d.name))(
    '%s begins its cold start when its module loads, before any request',
    async (name) => {
      await jest.isolateModulesAsync(async () => {
        // A registry of its own: a fresh instance, whose cold start nothing has begun yet.
        const logging: typeof import('../../shared/logging') = await import(
          resolve(SHARED, 'logging')
        );
        logging.setLogSink(logBuffer);
        const instance: typeof import('../../shared/runtime/instance') = await import(
          resolve(SHARED, 'runtime/instance')
        );
        await import(resolve(FUNCTIONS, name));
        await nextTurn();
        expect(instance.isInstanceReady()).toBe(true);
      });
    },
  );
});

describe('resetInstance()', () => {
  const saved = { ...process.env };
  let testDb: TestDatabase;
  const steps = (name: string) => shutdownSteps().filter((step) => step === name).length;

  beforeAll(async () => {
    testDb = await createTestDatabase(databaseLegs[0]!);
  });
  beforeEach(async () => {
    process.env = { ...saved, DATABASE_URL: testDb.url };
    delete process.env.API_KEYS;
    await resetInstance();
  });
  afterAll(async () => {
    await resetInstance();
    process.env = saved;
    await testDb.close();
  });

  it('reads the configuration again', async () => {
    process.env.EVENTS_TOPIC = 'topic-before';
    expect(config().EVENTS_TOPIC).toBe('topic-before');
    process.env.EVENTS_TOPIC = 'topic-after';
    expect(config().EVENTS_TOPIC).toBe('topic-before');
    await resetInstance();
    expect(config().EVENTS_TOPIC).toBe('topic-after');
  });

  it('begins the cold start again (with its one warning that writes are open)', async () => {
    const warnings = () =>
      capturedLogs().filter((line) => String(line.message).includes('WRITES ARE OPEN')).length;
    const before = warnings();
    await instanceReady();
    expect(isInstanceReady()).toBe(true);
    await instanceReady();
    expect(warnings()).toBe(before + 1);
    await resetInstance();
    expect(isInstanceReady()).toBe(false);
    await instanceReady();
    expect(warnings()).toBe(before + 2);
  });

  it('closes the pool and its shutdown step; the next use opens a new pool', async () => {
    const first = await database();
    await first.raw('SELECT 1');
    expect(steps('database pool')).toBe(1);
    await resetInstance();
    expect(steps('database pool')).toBe(0);
    await expect(first.raw('SELECT 1')).rejects.toThrow();
    const second = await database();
    expect(second).not.toBe(first);
    expect(steps('database pool')).toBe(1);
  });

  it('forgets an installed publisher', async () => {
    const installed = new RecordingPublisher();
    usePublisher(installed);
    expect(publisher()).toBe(installed);
    await resetInstance();
    expect(publisher()).not.toBe(installed);
  });

  it('closes the Pub/Sub publisher it made, and its shutdown step', async () => {
    process.env.PUBSUB_EMULATOR_HOST = '127.0.0.1:1';
    await resetInstance();
    const made = publisher();
    expect(made).toBeInstanceOf(PubSubPublisher);
    expect(steps('pubsub publisher')).toBe(1);
    await resetInstance();
    expect(steps('pubsub publisher')).toBe(0);
    expect(publisher()).not.toBe(made);
    expect(steps('pubsub publisher')).toBe(1);
  });

  it('forgets the parsed API keys', async () => {
    process.env.API_KEYS = `ci=${'k'.repeat(24)}`;
    await resetInstance();
    const first = await allowedKeys();
    expect(await allowedKeys()).toBe(first);
    await resetInstance();
    const again = await allowedKeys();
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('forgets the secret values masked in logs', async () => {
    registerSecret('reset-secret-value');
    expect(redact('the reset-secret-value')).toBe('the [REDACTED]');
    await resetInstance();
    expect(redact('the reset-secret-value')).toBe('the reset-secret-value');
  });
});

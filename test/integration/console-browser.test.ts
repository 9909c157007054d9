import type { Browser, BrowserContext } from 'playwright-core';
import { HTML_SECURITY_HEADERS } from '../../shared/http/html';
import { loadConfig } from '../../shared/config/load';
import { deployments } from '../../shared/deploy/functions';
import { createEvent } from '../../shared/events/envelope';
import type { Person } from '../../shared/people/schema';
import { API_EXPLORER_HEADERS } from '../../shared/local/api-explorer';
import { manifestAsyncApi } from '../../shared/local/asyncapi-document';
import { afterLoad, browserSkip, launch, openPage, screenshot } from '../support/browser';
import {
  databaseLegs,
  describeEachDatabase,
  useTestDatabase,
  type DatabaseLeg,
} from '../support/database-legs';
import { emulatorUnavailable, startEmulator, type Emulator } from '../support/emulator';
import { personData, request } from '../support/http';
import { startLocalStack, type LocalStack } from '../support/stack';
import { until } from '../support/until';

/**
 * The local console at `GET /` of `npm start`, in headless Chromium, with the in-process bus
 * and with the Pub/Sub emulator, on both databases: the functions with their URLs, the latest
 * events with what each consumer did with them (outcome, attempts, latency), the outbox rows
 * pending, the dead letters with their replay button, the subscriptions with their filters,
 * and links to the other pages; under the pages' CSP, with no script and nothing loaded from
 * elsewhere. JSON stays the answer for anyone asking for JSON.
 */
if (browserSkip && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but ${browserSkip}`);
const emulatorSkip = emulatorUnavailable();
if (emulatorSkip && process.env.REQUIRE_EMULATOR === '1')
  throw new Error(`REQUIRE_EMULATOR=1 but ${emulatorSkip}`);

const modes = [
  { name: 'in-process bus', emulator: false, skip: browserSkip },
  { name: 'Pub/Sub emulator', emulator: true, skip: browserSkip ?? emulatorSkip },
];

/** A push body Pub/Sub would send, for a message whose data is `data`. */
function pushOf(data: string, attributes: Record<string, string>, messageId: string) {
  return {
    subscription: 'projects/p/subscriptions/by-hand',
    message: { data: Buffer.from(data).toString('base64'), attributes, messageId },
  };
}

function consoleSuite(leg: DatabaseLeg, mode: (typeof modes)[number]) {
  const db = useTestDatabase(leg);
  let emulator: Emulator | undefined;
  let stack: LocalStack;
  let browser: Browser;
  let context: BrowserContext;
  let project: string;
  const shot = `console-${mode.emulator ? 'emulator' : 'bus'}-${leg.name}`;

  beforeAll(async () => {
    if (mode.emulator) emulator = await startEmulator();
    project = emulator?.project ?? 'demo-manifest';
    stack = await startLocalStack({
      DATABASE_URL: process.env.DATABASE_URL,
      PUBSUB_EMULATOR_HOST: emulator?.host,
      GOOGLE_CLOUD_PROJECT: project,
      LOCAL_PUSH_HOST: process.env.TEST_PUSH_HOST,
      LOG_LEVEL: 'warn',
    });
    browser = await launch();
  }, 180000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await emulator?.stop();
  }, 30000);
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Opens the console, checks what must hold on any page, and screenshots it. */
  async function openConsole(name: string) {
    const visit = await openPage(context);
    const response = await visit.page.goto(`${stack.base}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(
      HTML_SECURITY_HEADERS['Content-Security-Policy'],
    );
    const result = await afterLoad(visit);
    expect(result.violations).toEqual([]);
    expect(result.scripts).toBe(0);
    expect(result.bodyMaxWidth).toBe('1120px');
    expect(visit.problems).toEqual([]);
    expect(visit.requests.filter((r) => !r.startsWith(`${stack.base}/`))).toEqual([]);
    await screenshot(visit.page, `${shot}-${name}`);
    return visit.page;
  }

  it('answers JSON, the list of functions, to anyone asking for JSON', async () => {
    const res = await request(`${stack.base}/`, { headers: { accept: 'application/json' } });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
    expect(res.body).toEqual({
      functions: deployments.map((d) => ({ name: d.name, path: `/${d.name}` })),
    });
  });

  it('serves the AsyncAPI document beside the OpenAPI document', async () => {
    const res = await request(`${stack.base}/asyncapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
    expect(res.body).toEqual(manifestAsyncApi(loadConfig({})));
  });

  it('serves the API explorer at /ui: every operation listed, and a "try it" GET answers 200', async () => {
    const openapi = (await request(`${stack.base}/people/openapi.json`)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
    const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations.length).toBeGreaterThan(3);
    const visit = await openPage(context);
    const response = await visit.page.goto(`${stack.base}/ui`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(
      API_EXPLORER_HEADERS['Content-Security-Policy'],
    );
    await visit.page.locator('.opblock').first().waitFor({ timeout: 30000 });
    const listed = await visit.page
      .locator('.opblock-summary')
      .evaluateAll((blocks) =>
        blocks.map(
          (b) =>
            `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`,
        ),
      );
    expect([...listed].sort()).toEqual([...operations].sort());

    const list = visit.page.locator('.opblock-get').filter({
      has: visit.page.locator('.opblock-summary-path[data-path="/people"]'),
    });
    await list.locator('.opblock-summary').click();
    await list.getByRole('button', { name: 'Execute' }).click();
    const status = list.locator('.live-responses-table tr.response .response-col_status');
    await status.waitFor({ timeout: 30000 });
    expect((await status.innerText()).trim()).toBe('200');
    expect((await afterLoad(visit)).violations).toEqual([]);
    expect(visit.problems).toEqual([]);
    expect(visit.requests.filter((r) => !r.startsWith(`${stack.base}/`))).toEqual([]);
    await screenshot(visit.page, `${shot}-api-explorer`);
  }, 120000);

  it('shows an event with each consumer’s delivery, a duplicate counted as a second attempt', async () => {
    const created = await request(`${stack.base}/people`, {
      method: 'POST',
      json: personData({ name: 'Console rider' }),
    });
    expect(created.status).toBe(201);
    const [row] = await db()('outbox').where({ subject: created.body.uuid });
    // Delivered again to project-stats by hand, as a redelivery: applied once, seen twice.
    await until('the event applied by both consumers', async () => {
      const applied = await db()('processed_event').where({ event_id: row.event_id });
      return applied.length === 2;
    });
    const again = await request(
      `${stack.base}/project-stats/projects/${project}/topics/manifest-events`,
      {
        method: 'POST',
        json: pushOf(
          JSON.stringify(row.payload),
          { type: 'person.created', id: row.event_id },
          'again-1',
        ),
      },
    );
    expect(again.status).toBe(204);

    const page = await openConsole('events');
    const event = page.locator(`tr[data-event="${row.event_id}"]`);
    expect(await event.locator('td').nth(0).innerText()).toBe('person.created');
    expect(await event.locator('td').nth(1).innerText()).toBe(created.body.uuid);
    expect(await event.locator('td').nth(2).innerText()).toBe(
      new Date(row.created_at).toISOString(),
    );
    expect(await event.locator('li[data-consumer="project-stats"]').innerText()).toMatch(
      /^project-stats: duplicate, 2 attempts, \d+\.\d ms$/,
    );
    expect(await event.locator('li[data-consumer="audit-log"]').innerText()).toMatch(
      /^audit-log: applied, 1 attempt, \d+\.\d ms$/,
    );
  });

  it('shows the functions with their URLs, pending outbox rows, subscriptions with filters, links', async () => {
    // A row the relay will not touch for an hour: pending, as after a failed publish.
    const [row] = await db()('outbox').orderBy('id', 'desc').limit(1);
    await db()('outbox').insert({
      event_id: '00000000-0000-4000-8000-0000000000aa',
      type: 'person.deleted',
      subject: row.subject,
      payload: row.payload,
      attempts: 3,
      last_error: 'publish failed: the topic is unreachable',
      next_attempt_at: db().raw(`now() + interval '1 hour'`),
    });
    const page = await openConsole('overview');
    const functions = await page.locator('#functions tbody tr').allInnerTexts();
    expect(functions.map((f) => f.split('\t').map((c) => c.trim()))).toEqual(
      deployments.map((d) => [
        d.name,
        d.kind === 'http' ? 'HTTP' : 'Pub/Sub push',
        `${stack.base}/${d.name}`,
      ]),
    );
    expect(await page.locator('#outbox h2').innerText()).toBe('Outbox: 1 pending');
    expect(await page.locator('#outbox tbody tr').allInnerTexts()).toEqual([
      expect.stringContaining('publish failed: the topic is unreachable'),
    ]);
    const subscriptions = await page.locator('#subscriptions tbody tr').allInnerTexts();
    expect(subscriptions).toHaveLength(3);
    expect(subscriptions.find((s) => s.startsWith('manifest-events--project-stats'))).toContain(
      'hasPrefix(attributes.type, "person.") OR attributes.type = "people.imported"',
    );
    await page.getByRole('link', { name: 'People', exact: true }).click();
    await page.waitForURL(`${stack.base}/people`);
    expect(await page.title()).toBe('People · manifest');
    await page.goBack();
    await page.getByRole('link', { name: 'Statistics', exact: true }).click();
    expect(await page.locator('h1').innerText()).toBe('Passenger statistics');
    await db()('outbox').where({ event_id: '00000000-0000-4000-8000-0000000000aa' }).delete();
  });

  it('lists dead letters, each with a replay button that replays it through the redrive', async () => {
    // One that can never apply: its data is not JSON.
    const sent = await request(
      `${stack.base}/audit-log/projects/${project}/topics/manifest-events`,
      {
        method: 'POST',
        json: pushOf('not json', { type: 'person.created', id: 'poison-1' }, 'poison-message-1'),
      },
    );
    expect(sent.status).toBe(204);
    const [poison] = await db()('dead_letter').where({ message_id: 'poison-message-1' });
    // One whose cause is gone: a valid event audit-log once refused, stored as the consumer stores it.
    const person = (
      await request(`${stack.base}/people`, {
        method: 'POST',
        json: personData({ name: 'Redriven' }),
      })
    ).body as Person;
    const event = createEvent('person.created', {
      subject: person.uuid,
      actor: 'test',
      data: person,
    });
    const data = Buffer.from(JSON.stringify(event)).toString('base64');
    const [refused] = await db()('dead_letter')
      .insert({
        consumer: 'audit-log',
        message_id: 'refused-message-1',
        event_id: event.id,
        reason: 'audit_log was unreachable (the cause since fixed)',
        attributes: JSON.stringify({ type: event.type, id: event.id }),
        data,
        data_bytes: data.length,
      })
      .returning('id');
    const refusedId = `db-${String((refused as { id: number }).id)}`;

    const page = await openConsole('dead-letters');
    const row = page.locator(`tr[data-dead-letter="db-${poison.id}"]`);
    expect(await row.locator('td').nth(1).innerText()).toBe('audit-log');
    expect(await row.locator('td').nth(3).innerText()).toMatch(
      /^the message data is not UTF-8 JSON/,
    );
    expect(await page.locator('#dead-letters').innerText()).not.toContain('Replay is not there');

    await page
      .locator(`tr[data-dead-letter="${refusedId}"]`)
      .getByRole('button', { name: 'Replay' })
      .click();
    await page.waitForURL(/\/\?replayed=/);
    expect(await page.locator('[role="status"]').innerText()).toMatch(
      new RegExp(`^${refusedId}: (replayed|published)$`),
    );
    expect(await page.locator(`tr[data-dead-letter="${refusedId}"]`).count()).toBe(0);
    await until(
      'the replayed event applied by audit-log',
      async () =>
        (await db()('processed_event').where({ consumer: 'audit-log', event_id: event.id }))
          .length === 1,
    );

    await row.getByRole('button', { name: 'Replay' }).click();
    await page.waitForURL(/\/\?replayed=/);
    expect(await page.locator('[role="status"]').innerText()).toMatch(
      new RegExp(`^db-${poison.id}: not replayable`),
    );
    const foreign = await request(`${stack.base}/_local/dead-letters/db-${poison.id}/replay`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
  }, 120000);
}

for (const mode of modes) {
  if (mode.skip) {
    describe.skip(`the local console, ${mode.name} [SKIPPED, ${mode.skip}]`, () =>
      consoleSuite(databaseLegs[0]!, mode));
    continue;
  }
  describeEachDatabase(`the local console, ${mode.name}`, (leg) => consoleSuite(leg, mode));
}

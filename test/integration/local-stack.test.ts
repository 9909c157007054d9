import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployments } from '../../shared/deploy/functions';
import { migrations } from '../../migrations';
import { request } from '../support/http';
import { freePort, startChild, TSX, type Child } from '../support/processes';
import { personData } from '../support/http';
import { until } from '../support/until';

describe('npm start (the local stack on the embedded database)', () => {
  let dataDir: string;
  let stack: Child;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'manifest-stack-'));
    const port = await freePort();
    stack = startChild(TSX, ['scripts/start.ts'], {
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: undefined,
    });
    // A bound only a hang breaks: the embedded database starts in about 6 s on an idle machine,
    // and took 79 s on this one shared by eight test runs.
    await stack.waitFor(/serving people at/, 240_000);
    base = `http://127.0.0.1:${port}`;
  }, 250_000);

  afterAll(async () => {
    if (stack.process.exitCode === null) {
      stack.process.kill('SIGKILL');
      await stack.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('applied every migration itself at start', () => {
    expect(stack.output()).toContain(`"applied":${JSON.stringify(migrations.map((m) => m.name))}`);
    expect(stack.output()).toContain(`applied ${migrations.length} migration(s)`);
  });

  it('says loudly that writes are open without API_KEYS', () => {
    expect(stack.output()).toMatch(/"severity":"WARNING".*API_KEYS is not set: WRITES ARE OPEN/);
  });

  it('serves exactly the functions of the registry, listed at /', async () => {
    const res = await request(`${base}/`);
    expect(res.body.functions.map((f: { name: string }) => f.name)).toEqual(
      deployments.map((d) => d.name),
    );
  });

  it('serves each function under its name, through functions-framework', async () => {
    const created = await request(`${base}/people`, { method: 'POST', json: personData() });
    expect(created.status).toBe(201);
    expect((await request(`${base}/people/${created.body.uuid}`)).body).toEqual(created.body);
    expect((await request(`${base}/health`)).body).toMatchObject({
      status: 'ok',
      checks: { database: 'ok', migrations: 'current' },
    });
    const missing = await request(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toContain('/people');
  });

  it('logs a line per request (LOG_REQUESTS on unless set: no Cloud Run logs them here)', async () => {
    const res = await request(`${base}/people?limit=1`, {
      headers: { 'user-agent': 'local-stack-request-log' },
    });
    expect(res.status).toBe(200);
    await stack.waitFor(/"httpRequest":\{[^\n]*"userAgent":"local-stack-request-log"/, 20_000);
  });

  it('answers a GET to an event function 405 (Allow: POST) as problem+json, never a stack trace', async () => {
    const events = deployments.filter((d) => d.kind === 'event').map((d) => d.name);
    expect(events).toEqual(['project-stats', 'audit-log', 'relay-outbox']);
    for (const name of events) {
      const res = await request(`${base}/${name}`);
      expect({ name, status: res.status, allow: res.headers.get('allow') }).toEqual({
        name,
        status: 405,
        allow: 'POST',
      });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.text).not.toMatch(/at \w+ \(|node_modules|TypeError/);
    }
  });

  it('lets the migrate CLI use the same embedded database while it runs', async () => {
    const status = startChild(TSX, ['scripts/migrate.ts', 'status'], {
      DATA_DIR: dataDir,
      DATABASE_URL: undefined,
    });
    expect(await status.exited).toBe(0);
    expect(status.output()).toMatch(/applied {2}20261123090000_create_person[\s\S]*Up to date\./);
  });

  it('delivers events through its in-process bus: a write shows in /stats', async () => {
    const before = (await request(`${base}/stats`)).body.total.passengers;
    const created = await request(`${base}/people`, {
      method: 'POST',
      json: personData({ name: 'Bus rider' }),
    });
    expect(created.status).toBe(201);
    // Polls for the event's effect (the bound only catches a hang; it was 5 s, tight on a loaded machine).
    await until('the write to show in /stats', async () =>
      (await request(`${base}/stats`)).body.total.passengers === before + 1 ? true : undefined,
    );
    expect((await request(`${base}/stats`)).body.total.passengers).toBe(before + 1);
  });

  it('publishes a test event from `npm run publish` through the outbox and the running relay', async () => {
    const publish = startChild(
      TSX,
      ['scripts/publish.ts', 'people.imported', '{"source":"manual","imported":0,"rejected":0}'],
      {
        DATA_DIR: dataDir,
        DATABASE_URL: undefined,
      },
    );
    expect(await publish.exited).toBe(0);
    expect(publish.output()).toMatch(/queued people.imported [0-9a-f-]{36} in the outbox/);
    await stack.waitFor(/"type":"people.imported"[^\n]*"message":"event applied"/, 20000);
  });

  it('refuses to publish an invalid test event, saying why', async () => {
    const publish = startChild(
      TSX,
      ['scripts/publish.ts', 'people.imported', '{"source":"manual"}'],
      { DATA_DIR: dataDir, DATABASE_URL: undefined },
    );
    expect(await publish.exited).toBe(2);
    expect(publish.output()).toMatch(/data.imported is required/);
  });

  it('shuts down cleanly on SIGTERM, releasing the database', async () => {
    stack.process.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);
  });
});

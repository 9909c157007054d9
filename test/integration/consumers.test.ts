import { randomUUID } from 'node:crypto';
import { consume } from '../../shared/events/consumer';
import { createEvent } from '../../shared/events/envelope';
import { EventRouter } from '../../shared/events/router';
import { projectStatsRouter } from '../../shared/stats/consumer';
import type { Person } from '../../shared/people/schema';
import { eventMessage } from '../../shared/events/message';
import { usePublisher } from '../../shared/events/publisher';
import { resetInstance } from '../../shared/runtime/testing';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { push, pushBody, RecordingPublisher, type Published } from '../support/events';
import { useFunction } from '../support/functions';
import { personData, request } from '../support/http';
import { capturedLogs, capturedLogText, clearCapturedLogs } from '../support/logs';

/** A fixed shuffle (seeded), so a failure reproduces. */
function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describeEachDatabase('consumers: project-stats, audit-log and the stats function', (leg) => {
  const db = useTestDatabase(leg);
  const people = useFunction('people');
  const projectStats = useFunction('project-stats');
  const auditLog = useFunction('audit-log');
  const stats = useFunction('stats');
  const broker = new RecordingPublisher();

  beforeAll(() => {
    usePublisher(broker);
  });

  async function resetReadModels() {
    broker.published.length = 0;
    await db()('person').delete();
    await db()('passenger_stats').delete();
    await db()('audit_log').delete();
    await db()('processed_event').delete();
    await db()('dead_letter').delete();
  }

  /** The figures the read model must show, computed from the person table itself. */
  async function truth() {
    const rows = await db()('person')
      .select('passenger_class', 'sex')
      .count('* as passengers')
      .select(
        db().raw(
          'count(*) FILTER (WHERE survived) AS survivors, trim_scale(sum(age))::text AS age_sum, trim_scale(sum(fare))::text AS fare_sum',
        ),
      )
      .groupBy('passenger_class', 'sex')
      .orderBy(['passenger_class', 'sex']);
    return rows.map((r: any) => ({
      ...r,
      passengers: String(r.passengers),
      survivors: String(r.survivors),
    }));
  }

  async function readModel() {
    // A group's shards summed, as the stats function reads them.
    return db()('passenger_stats')
      .select(
        'passenger_class',
        'sex',
        db().raw(
          'sum(passengers) AS passengers, sum(survivors) AS survivors, trim_scale(sum(age_sum))::text AS age_sum, trim_scale(sum(fare_sum))::text AS fare_sum',
        ),
      )
      .groupBy('passenger_class', 'sex')
      .havingRaw('sum(passengers) > 0')
      .orderBy(['passenger_class', 'sex'])
      .then((rows) =>
        rows.map((r: any) => ({
          ...r,
          passengers: String(r.passengers),
          survivors: String(r.survivors),
        })),
      );
  }

  async function writeSomePeople(): Promise<void> {
    const created: any[] = [];
    for (const [i, p] of [
      { sex: 'female', passengerClass: 1, survived: true, age: 38, fare: 71.2833 },
      { sex: 'female', passengerClass: 3, survived: true, age: 26, fare: 7.925 },
      { sex: 'male', passengerClass: 3, survived: false, age: 0.42, fare: 8.5167 },
      { sex: 'male', passengerClass: 1, survived: false, age: 54, fare: 51.8625 },
      { sex: 'other', passengerClass: 2, survived: true, age: 14.5, fare: 30.0708 },
    ].entries()) {
      created.push(
        (
          await request(`${people()}/people`, {
            method: 'POST',
            json: personData({ ...p, name: `Passenger ${i}` }),
          })
        ).body,
      );
    }
    await request(`${people()}/people/${created[2].uuid}`, {
      method: 'PUT',
      json: { survived: true, age: 0.83 },
    });
    await request(`${people()}/people/${created[3].uuid}`, {
      method: 'PUT',
      json: { passengerClass: 2, sex: 'other' },
    });
    await request(`${people()}/people/${created[4].uuid}`, { method: 'DELETE' });
  }

  const deliver = (fn: () => string, published: Published) =>
    push(fn(), pushBody(published.message, published.messageId));

  it('applies every event exactly once when each is delivered three times, out of order', async () => {
    await resetReadModels();
    await writeSomePeople();
    await broker.settled();
    const messages = broker.published.filter((p) => p.topic === 'manifest-events');
    expect(messages).toHaveLength(8);
    const deliveries = shuffled([...messages, ...messages, ...messages]);
    for (const message of deliveries) {
      expect((await deliver(projectStats, message)).status).toBeLessThan(300);
      expect((await deliver(auditLog, message)).status).toBeLessThan(300);
    }
    expect(await readModel()).toEqual(await truth());
    const audit = await db()('audit_log')
      .orderBy('occurred_at')
      .select('event_id', 'type', 'actor');
    expect(audit).toHaveLength(8);
    expect(new Set(audit.map((a) => a.event_id))).toEqual(new Set(messages.map((m) => m.event.id)));
    expect(
      (await db()('processed_event').where({ consumer: 'project-stats' }).pluck('event_id')).sort(),
    ).toEqual(messages.map((m) => m.event.id).sort());
  });

  it('serves the read model as JSON: counts and survival rates by class, by sex and by both', async () => {
    const res = await request(`${stats()}/stats`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
    expect(res.body.total).toEqual({
      passengers: 4,
      survivors: 3,
      survivalRate: 0.75,
      averageAge: expect.any(Number),
      averageFare: expect.any(Number),
    });
    expect(res.body.byClass).toEqual([
      expect.objectContaining({ passengerClass: 1, passengers: 1, survivors: 1, survivalRate: 1 }),
      expect.objectContaining({ passengerClass: 2, passengers: 1, survivors: 0, survivalRate: 0 }),
      expect.objectContaining({ passengerClass: 3, passengers: 2, survivors: 2, survivalRate: 1 }),
    ]);
    expect(res.body.bySex.map((s: any) => [s.sex, s.passengers])).toEqual([
      ['female', 2],
      ['male', 1],
      ['other', 1],
    ]);
    expect(res.body.byClassAndSex).toContainEqual(
      expect.objectContaining({ passengerClass: 3, sex: 'male', passengers: 1, averageAge: 0.83 }),
    );
  });

  it('serves an HTML page with an SVG bar chart of survival by class and sex', async () => {
    const res = await request(`${stats()}/stats`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.text).toMatch(/<svg [^>]*role="img"/);
    expect(
      (res.text.match(/<rect [^>]*height="[\d.]+" fill=/g) ?? []).length,
    ).toBeGreaterThanOrEqual(3);
    expect(res.text).toContain('<title>Class 1, female: 100.0% of 1</title>');
  });

  it('recomputes from the person table on people.imported, consistently with deltas still to come', async () => {
    await resetReadModels();
    await writeSomePeople();
    await broker.settled();
    const before = [...broker.published];
    // Rows written without events (as a bulk import does), then the import's one event.
    await db()('person').insert({
      passenger_class: 2,
      name: 'Imported',
      sex: 'female',
      age: 30,
      siblings_or_spouses_aboard: 0,
      parents_or_children_aboard: 0,
      fare: 13,
      survived: true,
    });
    const imported = createEvent('people.imported', {
      subject: randomUUID(),
      actor: 'test',
      data: { source: 'test.csv', imported: 1, rejected: 0 },
    });
    const message = eventMessage(imported, '');
    expect((await push(projectStats(), pushBody(message))).status).toBeLessThan(300);
    expect(await readModel()).toEqual(await truth());
    // The earlier events arrive late: the recompute already counted them, so nothing changes.
    for (const late of before) await deliver(projectStats, late);
    expect(await readModel()).toEqual(await truth());
    // A change after the recompute still applies.
    broker.published.length = 0;
    await request(`${people()}/people`, {
      method: 'POST',
      json: personData({ name: 'After import' }),
    });
    await broker.settled();
    await deliver(projectStats, broker.published[0]!);
    expect(await readModel()).toEqual(await truth());
  });

  it("logs the consumer's lines with the trace id of the request that caused the event", async () => {
    broker.published.length = 0;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await request(`${people()}/people`, {
      method: 'POST',
      json: personData(),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    clearCapturedLogs();
    await broker.settled();
    await deliver(auditLog, broker.published[0]!);
    const line = capturedLogs().find((l) => l.message === 'event applied');
    expect(line).toMatchObject({
      'logging.googleapis.com/trace': `projects/demo-manifest/traces/${traceId}`,
      consumer: 'audit-log',
    });
    const row = await db()('audit_log').where({ event_id: broker.published[0]!.event.id }).first();
    expect(row).toMatchObject({ trace_id: traceId, actor: 'anonymous', type: 'person.created' });
  });

  describe('poison messages: acknowledged, logged, stored in dead_letter, no effect', () => {
    const valid = () =>
      createEvent('person.created', {
        subject: randomUUID(),
        actor: 't',
        data: { ...personData(), uuid: randomUUID() } as never,
      });

    it.each([
      [
        'base64 garbage',
        () => pushBody({ data: '!!!not base64!!!', attributes: { type: 'person.created' } }),
        /not base64/,
      ],
      [
        'data that is not JSON',
        () => pushBody({ data: Buffer.from('{nope'), attributes: {} }),
        /not UTF-8 JSON/,
      ],
      [
        'data that is not UTF-8',
        () => pushBody({ data: Buffer.from([0xff, 0xfe, 0x7b]), attributes: {} }),
        /not UTF-8 JSON/,
      ],
      [
        'an unknown event type',
        () =>
          pushBody({ data: Buffer.from(JSON.stringify({ ...valid(), type: 'person.exploded' })) }),
        /unknown event type/,
      ],
      [
        'a bad envelope',
        () => pushBody({ data: Buffer.from(JSON.stringify({ ...valid(), id: 'x' })) }),
        /id must match format/,
      ],
      [
        'a wrong data shape',
        () => pushBody({ data: Buffer.from(JSON.stringify({ ...valid(), data: { uuid: 1 } })) }),
        /invalid envelope/,
      ],
      [
        'a giant payload',
        () => pushBody({ data: Buffer.alloc(2 * 1024 * 1024, 'a') }),
        /at most 1048576/,
      ],
    ])('%s', async (_case, body, reason) => {
      await resetReadModels();
      const res = await push(projectStats(), body());
      expect(res.status).toBeLessThan(300);
      const [row] = await db()('dead_letter').select();
      expect(row).toMatchObject({
        consumer: 'project-stats',
        reason: expect.stringMatching(reason),
      });
      expect(await db()('passenger_stats').select()).toEqual([]);
      expect(await db()('processed_event').select()).toEqual([]);
    });
  });

  it('acknowledges an event it has no handler for, without effect (the emulator ignores filters)', async () => {
    await resetReadModels();
    let calls = 0;
    const personOnly = new EventRouter('person-only').on('person.*', async () => {
      calls++;
    });
    const imported = createEvent('people.imported', {
      subject: randomUUID(),
      actor: 't',
      data: { source: 'x', imported: 0, rejected: 0 },
    });
    const { message } = pushBody(eventMessage(imported, ''));
    expect(await consume(personOnly, message)).toBe('ignored');
    expect(calls).toBe(0);
    expect(await db()('processed_event').select()).toEqual([]);
  });

  it('answers a GET 405 with Allow: POST, as problem+json (served alone, as in the cloud)', async () => {
    for (const url of [projectStats(), auditLog()]) {
      const res = await request(`${url}/`);
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(res.body.detail).toMatch(/event function/);
      expect(res.text).not.toMatch(/TypeError|node_modules/);
    }
  });

  it('applies a projection and a handler for the same event together, once, in one transaction', async () => {
    await resetReadModels();
    const handled: string[] = [];
    const both = new EventRouter('both')
      .project('person.created', (event) => ({
        sql: `INSERT INTO audit_log (event_id, type, subject, actor, occurred_at, payload)
              SELECT ?, ?, ?, ?, ?, '{}'::jsonb WHERE EXISTS (SELECT 1 FROM new_delivery)`,
        bindings: [event.id, event.type, event.subject, event.actor, event.time],
      }))
      .on('person.*', async (event) => {
        handled.push(event.id);
      });
    const uuid = randomUUID();
    const created = createEvent('person.created', {
      subject: uuid,
      actor: 't',
      data: { uuid, ...personData() } as Person,
    });
    const { message } = pushBody(eventMessage(created, ''));
    expect(await consume(both, message)).toBe('applied');
    expect(await consume(both, message)).toBe('duplicate');
    expect(handled).toEqual([created.id]);
    expect(await db()('audit_log').pluck('event_id')).toEqual([created.id]);

    // A failing handler undoes the projection and the idempotency record with it.
    const failing = new EventRouter('failing')
      .project('person.created', (event) => ({
        sql: `INSERT INTO audit_log (event_id, type, subject, actor, occurred_at, payload)
              SELECT ?, ?, ?, ?, ?, '{}'::jsonb WHERE EXISTS (SELECT 1 FROM new_delivery)`,
        bindings: [randomUUID(), event.type, event.subject, event.actor, event.time],
      }))
      .on('person.created', async () => {
        throw new Error('handler failed');
      });
    await expect(consume(failing, message)).rejects.toThrow('handler failed');
    expect(await db()('audit_log').pluck('event_id')).toEqual([created.id]);
    expect(await db()('processed_event').where({ consumer: 'failing' })).toEqual([]);
  });

  it('dead-letters at once an event whose data the database refuses (a data exception), applying nothing', async () => {
    await resetReadModels();
    // A projection that writes, then fails on the event's data: 22012 division_by_zero, as
    // deterministic as a value out of range. A redelivery could only fail the same way.
    const refusing = new EventRouter('refusing').project('person.created', (event) => ({
      sql: `INSERT INTO audit_log (event_id, type, subject, actor, occurred_at, payload)
            SELECT ?, ?, ?, ?, ?, '{}'::jsonb WHERE EXISTS (SELECT 1 FROM new_delivery)
            AND 1 / (?::int - ?::int) = 1`,
      bindings: [event.id, event.type, event.subject, event.actor, event.time, 1, 1],
    }));
    const uuid = randomUUID();
    const created = createEvent('person.created', {
      subject: uuid,
      actor: 't',
      data: { uuid, ...personData() } as Person,
    });
    const { message } = pushBody(eventMessage(created, ''), 'refused-1');
    expect(await consume(refusing, message)).toBe('dead-lettered');
    expect(await db()('audit_log').select()).toEqual([]);
    expect(await db()('processed_event').where({ consumer: 'refusing' })).toEqual([]);
    const [letter] = await db()('dead_letter').where({ consumer: 'refusing' });
    expect(letter).toMatchObject({ message_id: 'refused-1', event_id: created.id });
    expect(letter.reason).toBe(
      "the database refused the event's data: division by zero (SQLSTATE 22012)",
    );

    // Any other failure (not the data's fault) is still thrown, for Pub/Sub to redeliver.
    // Its logged error names the SQL with its $n placeholders, never the bound values (people's
    // data): knex's pg client formats the message from the SQL it sent.
    const broken = new EventRouter('broken').project('person.created', () => ({
      sql: 'SELECT * FROM no_such_table WHERE name = ?',
      bindings: ['Mrs. Private Person'],
    }));
    clearCapturedLogs();
    const thrown = await consume(broken, message).catch((error: Error) => error);
    expect(String(thrown)).toMatch(
      /WHERE name = \$3\)[\s\S]* - relation "no_such_table" does not exist/,
    );
    expect(capturedLogText()).toContain('no_such_table');
    expect(capturedLogText()).not.toContain('Private Person');
    expect(await db()('dead_letter').where({ consumer: 'broken' })).toEqual([]);
  });

  it('changes one read-model row once when an update keeps class and sex (one projection statement)', async () => {
    await resetReadModels();
    const before = { uuid: randomUUID(), ...personData({ age: 30, fare: 10 }) } as Person;
    const after = { ...before, survived: true, age: 31.5, fare: 12.25 };
    const created = createEvent('person.created', {
      subject: before.uuid,
      actor: 't',
      data: before,
    });
    const updated = createEvent('person.updated', {
      subject: before.uuid,
      actor: 't',
      data: after,
      previous: before,
    });
    await consume(projectStatsRouter, pushBody(eventMessage(created, '')).message);
    await consume(projectStatsRouter, pushBody(eventMessage(updated, '')).message);
    const [row] = await db()('passenger_stats').select(
      db().raw(
        'sum(passengers) AS passengers, sum(survivors) AS survivors, trim_scale(sum(age_sum))::text AS age_sum, trim_scale(sum(fare_sum))::text AS fare_sum',
      ),
    );
    expect(row).toMatchObject({ age_sum: '31.5', fare_sum: '12.25' });
    expect(Number(row.passengers)).toBe(1);
    expect(Number(row.survivors)).toBe(1);
  });

  it('spreads one class and sex over a row per shard of the event ids, and the stats sum them exactly', async () => {
    await resetReadModels();
    const events = Array.from({ length: 40 }, (_, i) => {
      const uuid = randomUUID();
      return createEvent('person.created', {
        subject: uuid,
        actor: 't',
        data: {
          uuid,
          ...personData({ passengerClass: 3, sex: 'male', survived: i < 10, age: 0.5, fare: 0.1 }),
        } as Person,
      });
    });
    // Concurrent: events for one group no longer wait on one row.
    const outcomes = await Promise.all(
      events.map((e) => consume(projectStatsRouter, pushBody(eventMessage(e, '')).message)),
    );
    expect(outcomes).toEqual(Array(40).fill('applied'));
    const shards = new Set(events.map((e) => parseInt(e.id.slice(-1), 16)));
    expect(await db()('passenger_stats').count('* as n')).toEqual([{ n: String(shards.size) }]);
    const res = await request(`${stats()}/stats`);
    expect(res.body.byClassAndSex).toEqual([
      {
        passengerClass: 3,
        sex: 'male',
        passengers: 40,
        survivors: 10,
        survivalRate: 0.25,
        averageAge: 0.5,
        averageFare: 0.1,
      },
    ]);
  });
});

describe('a consumer, and the relay, whose database is down', () => {
  const saved = { ...process.env };
  const consumer = useFunction('project-stats');
  const relay = useFunction('relay-outbox');

  beforeAll(async () => {
    process.env.DATABASE_URL = 'postgres://postgres@127.0.0.1:1/nowhere';
    process.env.DB_CONNECT_TIMEOUT_MS = '500';
    await resetInstance();
  });
  afterAll(async () => {
    process.env = saved;
    await resetInstance();
  });

  it('answers an error status, so Pub/Sub redelivers with backoff', async () => {
    const event = createEvent('person.created', {
      subject: randomUUID(),
      actor: 't',
      data: { ...personData(), uuid: randomUUID() } as never,
    });
    const res = await push(consumer(), pushBody(eventMessage(event, '')));
    expect(res.status).toBeGreaterThanOrEqual(500);
  });

  // functions-framework prints what a handler throws with console.error and answers its
  // message: one short line each, the details in one structured log line.
  it.each([
    ['project-stats', 'delivery failed; answering an error so Pub/Sub redelivers'],
    ['relay-outbox', 'outbox relay failed; the next tick tries again'],
  ])('%s answers and logs the failure without a stack trace', async (name, logged) => {
    const printed: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    });
    clearCapturedLogs();
    try {
      const url = name === 'relay-outbox' ? relay() : consumer();
      const message =
        name === 'relay-outbox'
          ? { data: '', attributes: {} }
          : eventMessage(
              createEvent('person.created', {
                subject: randomUUID(),
                actor: 't',
                data: { ...personData(), uuid: randomUUID() } as never,
              }),
              '',
            );
      const res = await push(url, pushBody(message, `down-${name}`));
      expect(res.status).toBe(500);
      expect(res.text).toBe(
        `${name}: ${name === 'relay-outbox' ? 'relay failed, the next tick tries again' : 'delivery failed, Pub/Sub will redeliver'}`,
      );
      expect(printed).toEqual([res.text]);
    } finally {
      spy.mockRestore();
    }
    const errors = capturedLogs().filter((line) => line.severity === 'ERROR');
    expect(errors.map((line) => line.message)).toEqual([logged]);
    expect(JSON.stringify(errors[0])).toMatch(/ECONNREFUSED|connect/);
    // The consumer's line carries the delivery's labels, to find it by message id.
    if (name === 'project-stats') expect(JSON.stringify(errors[0])).toContain(`down-${name}`);
  });
});

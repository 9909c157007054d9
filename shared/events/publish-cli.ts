import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { config } from '../config';
import { database } from '../db';
import { formatTraceparent, newTrace } from '../logging';
import { createEvent, eventTypes, type EventType } from './envelope';
import { fastPathWindowMs, publishBeforeAnswer } from './fast-path';
import { addToOutbox } from './outbox';

const USAGE = `usage: npm run publish -- <type> '<json data>' [--subject <uuid>] [--previous '<json>']
types: ${eventTypes.join(', ')}`;

/**
 * `npm run publish`: publishes a test event the way the functions do, through the outbox:
 * validated as an envelope, written to the outbox, then published at once when this process
 * can reach Pub/Sub (the emulator, or the cloud); otherwise the running stack's relay
 * publishes it within RELAY_INTERVAL_MS.
 * @returns the exit code
 */
export async function runPublishCommand(
  args: string[],
  print: (line: string) => void,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { subject: { type: 'string' }, previous: { type: 'string' } },
    });
  } catch (error) {
    print(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const [type, dataText] = parsed.positionals;
  if (!type || !dataText) {
    print(USAGE);
    return 2;
  }
  if (!eventTypes.includes(type as EventType)) {
    print(`unknown event type "${type}"\n${USAGE}`);
    return 2;
  }
  const data = parseJson('data', dataText);
  const previous =
    parsed.values.previous === undefined
      ? { value: undefined }
      : parseJson('--previous', parsed.values.previous);
  for (const result of [data, previous]) {
    if ('error' in result) {
      print(result.error);
      return 2;
    }
  }
  if (!('value' in data) || !('value' in previous)) return 2;
  const subject =
    parsed.values.subject ??
    (typeof (data.value as { uuid?: unknown })?.uuid === 'string'
      ? (data.value as { uuid: string }).uuid
      : randomUUID());
  let event;
  try {
    event = createEvent(type as EventType, {
      subject,
      actor: 'cli',
      data: data.value as never,
      previous: previous.value,
    });
  } catch (error) {
    print((error as Error).message);
    return 2;
  }
  const db = await database();
  // Without a publisher here, the row is due for the running stack's relay at once.
  const entry = await db.transaction((trx) =>
    addToOutbox(trx, event, formatTraceparent(newTrace()), fastPathWindowMs()),
  );
  await publishBeforeAnswer(db, [entry]);
  const row = await db('outbox').where({ id: entry.id }).first('sent_at');
  if (row?.sent_at) {
    print(`published ${type} ${event.id} to ${config().EVENTS_TOPIC}`);
  } else {
    print(`queued ${type} ${event.id} in the outbox; the relay of the running stack publishes it`);
  }
  return 0;
}

function parseJson(name: string, text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `${name} is not valid JSON: ${(error as Error).message}` };
  }
}

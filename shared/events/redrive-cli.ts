import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { config, initConfig } from '../config';
import { readyDatabase } from '../db';
import { publisher } from './publisher';
import {
  discardDeadLetters,
  listDeadLetters,
  parseDeadLetterId,
  replayDeadLetters,
  showDeadLetter,
  UnknownDeadLetterError,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterSources,
  type RedriveOutcome,
  type Selection,
} from './redrive';
import { openRetainedDeadLetters, retainedSubscriptionName } from './retained';

const USAGE = `usage: npm run dead-letter -- <command> [options]
  list                  the dead letters waiting (--resolved: the replayed and discarded too)
  show ID               one in full: reason, attributes, data, the event a replay publishes
  replay ID... | --all  replay through the outbox, to the consumer that failed only
  discard ID... | --all resolve without replaying (a relay tick, a message never to apply)
options: --type T  --since DATE  --consumer C  (select, with list or instead of ids)
         --dry-run (say, change nothing)  --by NAME (who, recorded; default user@host)
         --limit N (list)  --json
ids: db-<n>, a row of the dead_letter table; ps-<message id>, a message of the retained subscription`;

/** A command's output: lines for people, or one JSON document. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

class UsageError extends Error {}

interface Parsed {
  command: 'list' | 'show' | 'replay' | 'discard';
  ids: string[];
  filter: DeadLetterFilter;
  selects: boolean;
  all: boolean;
  dryRun: boolean;
  json: boolean;
  by: string;
}

/**
 * `npm run dead-letter`: lists, shows, replays and discards dead letters (redrive.ts) in the
 * database the settings name, and in the dead-letter topic's retained subscription when
 * Pub/Sub is there (PUBSUB_EMULATOR_HOST, or a GOOGLE_CLOUD_PROJECT that is not a demo-*
 * emulator project). Arguments are checked before anything is read or changed.
 * @returns the exit code: 0 done, 1 some dead letter could not be replayed, 2 bad arguments
 */
export async function runDeadLetterCommand(args: string[], output: CommandOutput): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(args);
  } catch (error) {
    output.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  await initConfig();
  const settings = config();
  // First: a database whose schema is not current is refused, saying to migrate.
  const db = await readyDatabase();
  const pubsubHere =
    Boolean(settings.PUBSUB_EMULATOR_HOST) || !settings.GOOGLE_CLOUD_PROJECT.startsWith('demo-');
  const retained = pubsubHere
    ? await openRetainedDeadLetters(
        settings.GOOGLE_CLOUD_PROJECT,
        retainedSubscriptionName(settings.DEAD_LETTER_TOPIC),
      )
    : undefined;
  const sources: DeadLetterSources = { db, retained };
  if (!retained && !parsed.json)
    output.err(
      'note: only the dead_letter table is read: set PUBSUB_EMULATOR_HOST (emulator) or GOOGLE_CLOUD_PROJECT (a real project) to read the retained dead-letter subscription too',
    );
  try {
    return await run(parsed, sources, output);
  } catch (error) {
    if (!(error instanceof UnknownDeadLetterError)) throw error;
    output.err(error.message);
    return 2;
  } finally {
    await retained?.close();
  }
}

async function run(p: Parsed, sources: DeadLetterSources, output: CommandOutput): Promise<number> {
  const print = (value: unknown) => output.out(JSON.stringify(value, null, 2));
  if (p.command === 'list') {
    const entries = await listDeadLetters(sources, p.filter);
    if (p.json) print(entries);
    else for (const line of table(entries)) output.out(line);
    return 0;
  }
  if (p.command === 'show') {
    const detail = await showDeadLetter(sources, p.ids[0]!);
    if (p.json) print(detail);
    else for (const line of describe(detail)) output.out(line);
    return 0;
  }
  const selection: Selection = p.ids.length > 0 ? { ids: p.ids } : { filter: p.filter };
  const available = publisher().available !== false;
  const options = { by: p.by, dryRun: p.dryRun, ...(available ? { publisher: publisher() } : {}) };
  const outcomes =
    p.command === 'replay'
      ? await replayDeadLetters(sources, selection, options)
      : await discardDeadLetters(sources, selection, options);
  if (p.json) print(outcomes);
  else for (const line of outcomeLines(outcomes, available)) output.out(line);
  return outcomes.some((o) => o.outcome === 'not replayable') ? 1 : 0;
}

function parse(args: string[]): Parsed {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        all: { type: 'boolean' },
        type: { type: 'string' },
        since: { type: 'string' },
        consumer: { type: 'string' },
        resolved: { type: 'boolean' },
        limit: { type: 'string' },
        'dry-run': { type: 'boolean' },
        by: { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, ...ids] = positionals;
  if (!command) throw new UsageError('a command is needed');
  if (!['list', 'show', 'replay', 'discard'].includes(command))
    throw new UsageError(`unknown command "${command}"`);
  const bad = ids.filter((id) => !parseDeadLetterId(id));
  if (bad.length > 0)
    throw new UsageError(`not a dead-letter id: ${bad.map((id) => `"${id}"`).join(', ')}`);
  const filter: DeadLetterFilter = {
    ...(values.type !== undefined ? { type: nonEmpty('--type', values.type) } : {}),
    ...(values.consumer !== undefined ? { consumer: nonEmpty('--consumer', values.consumer) } : {}),
    ...(values.since !== undefined ? { since: date(values.since) } : {}),
    ...(values.limit !== undefined ? { limit: positive('--limit', values.limit) } : {}),
    ...(values.resolved ? { includeResolved: true } : {}),
  };
  const selects = ['type', 'since', 'consumer'].some((k) => k in filter);
  const mutates = command === 'replay' || command === 'discard';
  if (command === 'list' && ids.length > 0) throw new UsageError('list takes no ids (see show)');
  if (command === 'show' && ids.length !== 1) throw new UsageError('show takes one id');
  if (command === 'show' && (selects || values.all))
    throw new UsageError('show takes one id, no --all, --type, --since or --consumer');
  if (!mutates && (values['dry-run'] || values.by !== undefined || values.all))
    throw new UsageError(`--all, --dry-run and --by are for replay and discard, not ${command}`);
  if (command !== 'list' && (values.resolved || values.limit !== undefined))
    throw new UsageError('--resolved and --limit are for list');
  if (mutates && ids.length > 0 && (values.all || selects))
    throw new UsageError(`${command} takes ids, or --all and filters, not both`);
  if (mutates && ids.length === 0 && !values.all && !selects)
    throw new UsageError(
      `${command} needs ids, or --all (narrowed by --type, --since, --consumer)`,
    );
  return {
    command: command as Parsed['command'],
    ids,
    filter,
    selects,
    all: values.all ?? false,
    dryRun: values['dry-run'] ?? false,
    json: values.json ?? false,
    by:
      values.by !== undefined
        ? nonEmpty('--by', values.by)
        : `${userInfo().username}@${hostname()}`,
  };
}

function nonEmpty(name: string, value: string): string {
  if (value.trim() === '') throw new UsageError(`${name} needs a value`);
  return value;
}

function positive(name: string, value: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(value))
    throw new UsageError(`${name} must be a whole number from 1 to 999999, not "${value}"`);
  return Number(value);
}

/** A date or a date and time (ISO 8601, as `date -Iseconds` prints); a date alone is midnight UTC. */
function date(value: string): Date {
  const parsed = new Date(value);
  if (
    !/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ||
    isNaN(parsed.getTime())
  )
    throw new UsageError(
      `--since must be a date (2026-12-01) or a date and time (2026-12-01T09:30:00Z), not "${value}"`,
    );
  return parsed;
}

function table(entries: DeadLetter[]): string[] {
  if (entries.length === 0) return ['no dead letters'];
  const rows = [
    ['ID', 'KIND', 'CONSUMER', 'TYPE', 'EVENT', 'AT', 'STATUS', 'REASON'],
    ...entries.map((e) => [
      e.id,
      e.kind,
      e.consumer ?? '-',
      e.type ?? '-',
      e.eventId ?? '-',
      e.at,
      e.resolution ? `${e.resolution.how} by ${e.resolution.by}` : 'waiting',
      e.reason.length > 100 ? `${e.reason.slice(0, 99)}…` : e.reason,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
  const waiting = entries.filter((e) => !e.resolution).length;
  return [...lines, `${entries.length} dead letter(s), ${waiting} waiting`];
}

function describe(detail: Awaited<ReturnType<typeof showDeadLetter>>): string[] {
  const { data, attributes, replayable, ...fields } = detail;
  return [
    ...Object.entries(fields).map(
      ([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    ),
    `attributes: ${JSON.stringify(attributes)}`,
    'event' in replayable
      ? `replay publishes: ${replayable.event.type} ${replayable.event.id}`
      : `not replayable: ${replayable.reason}`,
    'data:',
    typeof data === 'string' ? data : JSON.stringify(data, null, 2),
  ];
}

function outcomeLines(outcomes: RedriveOutcome[], published: boolean): string[] {
  if (outcomes.length === 0) return ['no dead letters matched'];
  const lines = outcomes.map((o) =>
    [
      o.id,
      o.outcome,
      o.type,
      o.eventId,
      o.consumer ? `for ${o.consumer}` : undefined,
      o.outboxId ? `(outbox row ${o.outboxId})` : undefined,
      o.detail ? `: ${o.detail}` : undefined,
    ]
      .filter(Boolean)
      .join(' '),
  );
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.outcome, (counts.get(o.outcome) ?? 0) + 1);
  const summary = [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
  const queued = outcomes.some((o) => o.outcome === 'replayed');
  return [
    ...lines,
    summary,
    ...(queued
      ? [
          published
            ? 'replays not published now wait in the outbox: relay-outbox publishes them'
            : 'replays wait in the outbox: relay-outbox publishes them on its next tick (a minute in the cloud)',
        ]
      : []),
  ];
}

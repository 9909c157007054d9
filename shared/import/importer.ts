import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Knex } from 'knex';
import { createEvent } from '../events/envelope';
import { fastPathWindowMs, publishBeforeAnswer } from '../events/fast-path';
import { addToOutbox, type OutboxEntry } from '../events/outbox';
import { logger } from '../logging';
import { mapHeader, type ColumnMap } from './columns';
import { ImportFileError, StrictUtf8Decoder } from './decode';
import { parseRow, type RowReject, type StagedRow } from './rows';
import { createStaging, insertStaged } from './staging';

/** How many invalid rows a report lists; the rest are counted. */
export const REPORTED_REJECTS = 100;

export interface ImportOptions {
  /** Where the rows come from, and their name for the event (`titanic.csv`). */
  source: Readable;
  sourceName: string;
  /** Import the valid rows and report the invalid ones, instead of importing nothing. */
  skipInvalid?: boolean;
  /** Who asked, and the trace to carry into the `people.imported` event. */
  actor: string;
  traceparent: string;
  /** Called as rows are read (often: keep it cheap). */
  onProgress?: (progress: { rows: number; rejected: number; bytes: number }) => void;
  /** Receives every invalid row (the CLI writes them to the rejects report). */
  onReject?: (reject: RowReject) => void;
}

export interface ImportSummary {
  source: string;
  imported: number;
  rejected: number;
  /** The first REPORTED_REJECTS invalid rows. */
  rejects: RowReject[];
  seconds: number;
  /** How the rows reached the staging table. */
  method: 'copy' | 'pglite-blob' | 'insert';
}

/** Thrown when invalid rows stopped an all-or-nothing import: nothing was written. */
export class ImportRejectedError extends Error {
  constructor(readonly summary: ImportSummary) {
    super(`${summary.rejected} invalid row(s); nothing was imported`);
    this.name = 'ImportRejectedError';
  }
}

/**
 * Imports a passenger CSV file: streamed (memory stays flat whatever the size), parsed with
 * csv-parse, every row validated with the API's rules, valid rows loaded into a staging table
 * (COPY), then moved into `person` with one INSERT ... SELECT and announced by one
 * `people.imported` event written to the outbox, all in one transaction. By default any
 * invalid row rolls everything back and the rejects are reported by line; with
 * `skipInvalid` the valid rows are kept.
 * @throws ImportFileError when the file itself is unusable, ImportRejectedError for invalid rows
 */
export async function importPeople(db: Knex, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const decoder = new StrictUtf8Decoder();
  // No `info`: csv-parse's per-record info objects cost more than all the parsing; lines are
  // counted here instead (blank lines arrive as one empty field and are skipped below).
  const parser = options.source.pipe(decoder).pipe(parse({ bom: true, relax_column_count: true }));
  // A read error upstream must end the parse, not leave it waiting.
  options.source.once('error', (error) => parser.destroy(error));
  decoder.once('error', (error) => parser.destroy(error));

  let rows = 0;
  let rejected = 0;
  const rejects: RowReject[] = [];
  const records = parser[Symbol.asyncIterator]() as AsyncIterator<string[]>;
  let nextLine = 1;
  /** The next non-blank record and the line it starts on. */
  async function nextRecord(): Promise<{ record: string[]; line: number } | undefined> {
    for (;;) {
      let next: IteratorResult<string[]>;
      try {
        next = await records.next();
      } catch (error) {
        throw translateParseError(error);
      }
      if (next.done) return undefined;
      const line = nextLine;
      nextLine += 1 + newlinesIn(next.value);
      if (next.value.length === 1 && next.value[0]!.trim() === '') continue;
      return { record: next.value, line };
    }
  }

  const header = await nextRecord();
  if (!header)
    throw new ImportFileError('the file is empty: expected a header line and rows of passengers');
  const mapped = mapHeader(header.record);
  if ('problems' in mapped)
    throw new ImportFileError(
      `the header is not a passenger header: ${mapped.problems.join('; ')}`,
      header.line,
    );
  const columns: ColumnMap = mapped.columns;

  async function* validRows(): AsyncGenerator<StagedRow> {
    for (;;) {
      const next = await nextRecord();
      if (!next) return;
      rows++;
      const line = next.line;
      const parsed = parseRow(next.record, columns);
      if ('row' in parsed) {
        yield parsed.row;
      } else {
        rejected++;
        const reject = { line, errors: parsed.errors };
        if (rejects.length < REPORTED_REJECTS) rejects.push(reject);
        options.onReject?.(reject);
      }
      if (rows % 1000 === 0) options.onProgress?.({ rows, rejected, bytes: decoder.bytes });
    }
  }

  const trx = await db.transaction();
  let entry: OutboxEntry | undefined;
  let summary: ImportSummary;
  try {
    const staging = await createStaging(trx);
    await staging.load(validRows());
    options.onProgress?.({ rows, rejected, bytes: decoder.bytes });
    summary = {
      source: options.sourceName,
      imported: 0,
      rejected,
      rejects,
      seconds: 0,
      method: staging.method,
    };
    if (rejected > 0 && !options.skipInvalid) {
      await trx.rollback();
      summary.seconds = elapsed(started);
      throw new ImportRejectedError(summary);
    }
    summary.imported = await insertStaged(trx, staging.table);
    const event = createEvent('people.imported', {
      subject: randomUUID(),
      actor: options.actor,
      data: { source: options.sourceName.slice(0, 500), imported: summary.imported, rejected },
    });
    entry = await addToOutbox(trx, event, options.traceparent, fastPathWindowMs());
    await trx.commit();
  } catch (error) {
    if (!trx.isCompleted()) await trx.rollback().catch(() => undefined);
    throw translateParseError(error);
  }
  await publishBeforeAnswer(db, [entry]);
  summary.seconds = elapsed(started);
  logger.info(
    {
      source: summary.source,
      imported: summary.imported,
      rejected: summary.rejected,
      seconds: summary.seconds,
      method: summary.method,
    },
    'people imported',
  );
  return summary;
}

/** Newlines inside a record's quoted fields: the record spans that many more lines. */
function newlinesIn(record: string[]): number {
  let count = 0;
  for (const value of record)
    for (let i = value.indexOf('\n'); i >= 0; i = value.indexOf('\n', i + 1)) count++;
  return count;
}

/** csv-parse's own errors, as messages about the file. */
function translateParseError(error: unknown): unknown {
  const e = error as { code?: string; lines?: number; message?: string };
  if (typeof e?.code !== 'string' || !e.code.startsWith('CSV_')) return error;
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    return new ImportFileError('a quoted field is not closed (is the file cut short?)', e.lines);
  }
  return new ImportFileError(
    `the file is not valid CSV: ${e.message?.replace(/^[A-Za-z ]+: /, '') ?? e.code}`,
    e.lines,
  );
}

const elapsed = (started: number) => Math.round(performance.now() - started) / 1000;

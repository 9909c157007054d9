import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { database } from '../db';
import { formatTraceparent, newTrace } from '../logging';
import { ImportFileError } from './decode';
import {
  importPeople,
  ImportRejectedError,
  REPORTED_REJECTS,
  type ImportSummary,
} from './importer';
import type { RowReject } from './rows';

const USAGE = 'usage: npm run import -- <file.csv> [--skip-invalid] [--report <rejects.jsonl>]';
/** How often a non-terminal gets a progress line. */
const PROGRESS_EVERY_MS = 3000;

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * `npm run import`: imports a passenger CSV file, with a progress bar on a terminal (rows,
 * rows/s, percent of bytes, ETA) or a progress line every few seconds elsewhere, and a summary.
 * @returns the exit code: 0 imported, 1 nothing imported (bad file or invalid rows), 2 usage
 */
export async function runImportCommand(
  args: string[],
  out: Output = process.stdout,
): Promise<number> {
  let values: { 'skip-invalid'?: boolean; report?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'skip-invalid': { type: 'boolean' }, report: { type: 'string' } },
    }));
  } catch (error) {
    out.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    out.write(`${USAGE}\n`);
    return 2;
  }
  let totalBytes: number;
  try {
    totalBytes = statSync(file).size;
  } catch {
    out.write(`${file}: no such file\n`);
    return 1;
  }
  const skipInvalid = values['skip-invalid'] ?? false;
  const reportPath = values.report ?? `${file}.rejects.jsonl`;
  let report: WriteStream | undefined;
  const progress = progressDisplay(out, totalBytes);
  try {
    const summary = await importPeople(await database(), {
      source: createReadStream(file),
      sourceName: basename(file),
      skipInvalid,
      actor: 'cli',
      traceparent: formatTraceparent(newTrace()),
      onProgress: progress.update,
      onReject: skipInvalid
        ? (reject: RowReject) => {
            report ??= createWriteStream(reportPath);
            report.write(`${JSON.stringify(reject)}\n`);
          }
        : undefined,
    });
    progress.stop();
    out.write(
      `Imported ${summary.imported} rows from ${summary.source}, rejected ${summary.rejected}, in ${summary.seconds.toFixed(2)} s (${rate(summary)} rows/s, ${summary.method}).\n`,
    );
    if (summary.rejected > 0)
      out.write(
        `The ${summary.rejected} rejected rows, with their line numbers and reasons, are in ${reportPath}.\n`,
      );
    return 0;
  } catch (error) {
    progress.stop();
    if (error instanceof ImportRejectedError) {
      out.write(describeRejects(error.summary));
      out.write(
        `Nothing was imported. Fix the rows above, or run with --skip-invalid to import the valid rows.\n`,
      );
      return 1;
    }
    if (error instanceof ImportFileError) {
      out.write(`${basename(file)} ${error.message}\nNothing was imported.\n`);
      return 1;
    }
    throw error;
  } finally {
    if (report) await new Promise((done) => report!.end(done));
  }
}

/** The row report: each bad row by line, field and reason (the first 100), then a count. */
export function describeRejects(summary: ImportSummary): string {
  const lines = summary.rejects.map(
    (r) => `  line ${r.line}: ${r.errors.map((e) => e.message).join('; ')}\n`,
  );
  const more = summary.rejected - summary.rejects.length;
  return `${summary.rejected} invalid row(s) in ${summary.source}:\n${lines.join('')}${more > 0 ? `  ... and ${more} more (only the first ${REPORTED_REJECTS} are listed)\n` : ''}`;
}

function rate(summary: ImportSummary): number {
  return summary.seconds > 0
    ? Math.round((summary.imported + summary.rejected) / summary.seconds)
    : summary.imported;
}

/** A cli-progress bar on a terminal; otherwise a plain line every few seconds. */
export function progressDisplay(out: Output, totalBytes: number, now: () => number = Date.now) {
  const started = now();
  if (out.isTTY) {
    const bar = new SingleBar(
      {
        format: ' {bar} {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}',
        hideCursor: true,
        stream: out as NodeJS.WriteStream,
      },
      Presets.shades_classic,
    );
    bar.start(totalBytes, 0, { rows: 0, speed: 0 });
    return {
      update: (p: { rows: number; bytes: number }) =>
        bar.update(p.bytes, {
          rows: p.rows,
          speed: Math.round(p.rows / Math.max(0.001, (now() - started) / 1000)),
        }),
      stop: () => bar.stop(),
    };
  }
  let last = started;
  return {
    update: (p: { rows: number; bytes: number }) => {
      const at = now();
      if (at - last < PROGRESS_EVERY_MS) return;
      last = at;
      const seconds = (at - started) / 1000;
      const fraction = totalBytes > 0 ? p.bytes / totalBytes : 0;
      const eta = fraction > 0 ? Math.round(seconds / fraction - seconds) : 0;
      out.write(
        `${p.rows} rows read (${Math.round(fraction * 100)}% of the file, ${Math.round(p.rows / seconds)} rows/s, about ${eta} s left)\n`,
      );
    },
    stop: () => undefined,
  };
}

import { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import { readyDatabase } from '../db';
import { sendJson } from '../http/json';
import { HttpProblem } from '../http/problem';
import { requestState } from '../http/request-state';
import { formatTraceparent } from '../logging';
import { ImportFileError } from './decode';
import { importPeople, ImportRejectedError, type ImportSummary } from './importer';

/** Cloud Run refuses HTTP/1 request bodies over 32 MiB; so do we, with a clear answer. */
export const MAX_CSV_BODY_BYTES = 32 * 1024 * 1024;

/**
 * `POST /people` with `Content-Type: text/csv`: a bulk import of the body, all or nothing
 * (`?skipInvalid=true` keeps the valid rows). 200 with the summary; 400 with the row report
 * (each bad row by line, field and reason, the first 100) or the file's problem; 413 over 32 MB.
 */
export async function importCsvBody(
  req: Request,
  res: Response,
  options: { skipInvalid: boolean },
): Promise<void> {
  const body = (req as Request & { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
  if (body.length > MAX_CSV_BODY_BYTES) {
    throw new HttpProblem(
      413,
      `The file is ${body.length} bytes; an upload may be at most 32 MB. Use \`npm run import\` for larger files.`,
    );
  }
  const { skipInvalid } = options;
  const state = requestState(req);
  try {
    const summary = await importPeople(await readyDatabase(), {
      source: Readable.from([body]),
      sourceName: uploadName(req),
      skipInvalid,
      actor: state.actor,
      traceparent: formatTraceparent(state.trace),
    });
    res.status(200).setHeader('Cache-Control', 'no-store');
    sendJson(res, publicSummary(summary));
  } catch (error) {
    if (error instanceof ImportRejectedError) {
      const { summary } = error;
      throw new HttpProblem(
        400,
        `${summary.rejected} invalid row(s) in ${summary.source}; nothing was imported.`,
        {
          errors: summary.rejects.flatMap((r) =>
            r.errors.map((e) => ({ ...e, line: r.line, message: `line ${r.line}: ${e.message}` })),
          ),
          extensions: { rejected: summary.rejected, listed: summary.rejects.length },
        },
      );
    }
    if (error instanceof ImportFileError)
      throw new HttpProblem(400, `${error.message}. Nothing was imported.`);
    throw error;
  }
}

function publicSummary(summary: ImportSummary) {
  return {
    source: summary.source,
    imported: summary.imported,
    rejected: summary.rejected,
    seconds: summary.seconds,
    ...(summary.rejected > 0 ? { rejects: summary.rejects } : {}),
  };
}

/** The upload's name from Content-Disposition, else a generic one. */
function uploadName(req: Request): string {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(req.get('content-disposition') ?? '');
  const name = match?.[1]
    ? percentDecoded(match[1])
        .replace(/[^\w.\- ]/g, '_')
        .slice(0, 200)
    : '';
  return name || 'upload.csv';
}

/** A percent-decoded header value; as sent when its encoding is malformed (never a 500). */
function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

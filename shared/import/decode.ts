import { Transform, type TransformCallback } from 'node:stream';

/** The file itself is unusable (not UTF-8, not CSV, no header): nothing can be imported. */
export class ImportFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line ? `line ${line}: ${message}` : message);
    this.name = 'ImportFileError';
  }
}

/**
 * Decodes the file as UTF-8, strictly: a byte sequence that is not UTF-8 stops the import
 * with the line it is on, instead of turning into U+FFFD in someone's name. Counts bytes
 * (for progress) and lines (for the message) as it goes.
 */
export class StrictUtf8Decoder extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  bytes = 0;
  private lines = 1;

  constructor() {
    super({ decodeStrings: true, readableObjectMode: false, encoding: 'utf8' });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    try {
      const text = this.decoder.decode(chunk, { stream: true });
      this.count(text);
      done(null, text);
    } catch {
      done(
        new ImportFileError(
          `the file is not UTF-8 text (an invalid byte sequence; save it as UTF-8)`,
          this.lineOfBadByte(chunk),
        ),
      );
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.decoder.decode());
    } catch {
      done(
        new ImportFileError('the file is not UTF-8 text (it ends inside a character)', this.lines),
      );
    }
  }

  private count(text: string): void {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lines++;
  }

  /** The line holding the first undecodable byte of a chunk (decoding it piece by piece). */
  private lineOfBadByte(chunk: Buffer): number {
    const probe = new TextDecoder('utf-8', { fatal: true });
    let line = this.lines;
    for (let end = 1; end <= chunk.length; end++) {
      try {
        const text = probe.decode(chunk.subarray(end - 1, end), { stream: true });
        line += text.split('\n').length - 1;
      } catch {
        return line;
      }
    }
    return line;
  }
}

import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { logger } from '../logging';
import { loadPglite, type PGliteInstance } from './pglite';

/**
 * Serves one PGlite instance to many `pg` connections on a Unix socket.
 *
 * pglite-socket parses the wire protocol for us (PGLiteSocketHandler), but its own queue lets
 * connections interleave between the messages of one extended-protocol cycle (Parse, Bind,
 * Execute, Sync) outside transactions, so concurrent clients overwrite each other's unnamed
 * statement ("unnamed prepared statement does not exist", or worse, run another client's
 * statement). PGlite is a single session; it must be shared like one: a connection that
 * starts a cycle owns the database until the server answers ReadyForQuery with status Idle
 * (not in a transaction). That is what CycleQueue does; everything else is the library's.
 */
export class CycleQueue {
  private readonly queue: {
    handlerId: number;
    message: Uint8Array;
    onData: (d: Uint8Array) => void;
    resolve: (n: number) => void;
    reject: (e: Error) => void;
  }[] = [];
  private owner: number | null = null;
  private running = false;

  constructor(private readonly db: PGliteInstance) {}

  enqueue(
    handlerId: number,
    message: Uint8Array,
    onData: (data: Uint8Array) => void,
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]!.handlerId === handlerId)
        this.queue.splice(i, 1)[0]!.reject(new Error('connection closed'));
    }
  }

  /** A connection went away: end whatever it left open and let the others in. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.owner = null;
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const index = this.queue.findIndex(
          (q) => this.owner === null || q.handlerId === this.owner,
        );
        if (index < 0) break;
        const item = this.queue.splice(index, 1)[0]!;
        this.owner = item.handlerId;
        let bytes = 0;
        let tail: Uint8Array = new Uint8Array(0);
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                tail = lastBytes(tail, data, 6);
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          item.reject(error as Error);
          continue;
        }
        if (isReadyForQueryIdle(tail)) this.owner = null;
        item.resolve(bytes);
      }
    } finally {
      this.running = false;
    }
  }
}

function lastBytes(previous: Uint8Array, data: Uint8Array, n: number): Uint8Array {
  if (data.length >= n) return data.slice(data.length - n);
  const joined = new Uint8Array(previous.length + data.length);
  joined.set(previous);
  joined.set(data, previous.length);
  return joined.slice(Math.max(0, joined.length - n));
}

/** ReadyForQuery: 'Z', length 5, status 'I' (idle). https://www.postgresql.org/docs/current/protocol-message-formats.html */
function isReadyForQueryIdle(tail: Uint8Array): boolean {
  return (
    tail.length === 6 &&
    tail[0] === 0x5a &&
    tail[1] === 0 &&
    tail[2] === 0 &&
    tail[3] === 0 &&
    tail[4] === 5 &&
    tail[5] === 0x49
  );
}

const served = new Set<PGliteInstance>();

/** The PGlite instances this process serves (an importer may reach one directly, for COPY). */
export function inProcessPglites(): PGliteInstance[] {
  return [...served];
}

/**
 * Serves an open PGlite instance on the Unix socket `path`.
 * @returns the running server; `stop()` it before closing the database
 */
export async function servePglite(
  db: PGliteInstance,
  path: string,
): Promise<{ stop(): Promise<void> }> {
  const { PGLiteSocketHandler } = await loadPglite();
  const queue = new CycleQueue(db);
  const handlers = new Set<InstanceType<typeof PGLiteSocketHandler>>();
  const server: Server = createServer((socket: Socket) => {
    const handler = new PGLiteSocketHandler({ queryQueue: queue as never, closeOnDetach: true });
    handlers.add(handler);
    handler.addEventListener('close', () => handlers.delete(handler));
    handler.addEventListener('error', () => handlers.delete(handler));
    handler.attach(socket).catch((error: unknown) => {
      logger.warn({ error }, 'embedded database connection failed');
      socket.destroy();
    });
  });
  rmSync(path, { force: true });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(path, () => ready());
  });
  served.add(db);
  return {
    stop: async () => {
      served.delete(db);
      const closed = new Promise<void>((done) => server.close(() => done()));
      await Promise.all([...handlers].map((h) => h.detach(true).catch(() => undefined)));
      await closed;
    },
  };
}

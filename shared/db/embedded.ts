import { mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../logging';
import { onShutdown } from '../runtime/shutdown';
import { loadPglite, type PGliteInstance } from './pglite';
import { servePglite } from './pglite-server';

/**
 * The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) with its files
 * under DATA_DIR, served on a Unix socket by pglite-socket so that knex talks to it through
 * the ordinary `pg` driver, in exactly the SQL dialect and wire protocol of production.
 *
 * PGlite is single-session: the socket server multiplexes connections and runs one
 * transaction at a time. Only one process may open the files, so the first process to
 * start owns the database and every later one (the migrate or import CLI next to
 * `npm start`) connects to its socket instead.
 */
export interface EmbeddedDatabase {
  /** Directory holding the socket, for the `pg` driver's `host`. */
  socketDir: string;
  /** Closes the server and the database, when this process owns them. */
  close(): Promise<void>;
}

/** The PostgreSQL port number is only part of the socket file's name here. */
export const EMBEDDED_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${EMBEDDED_PORT}`;
// Unix socket paths are limited to ~107 bytes; deep checkouts fall back to the temp dir.
const MAX_SOCKET_PATH = 100;

const opened = new Map<string, Promise<EmbeddedDatabase>>();

/** Opens (or joins) the embedded database kept in `dataDir`; one per directory per process. */
export function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = resolve(dataDir);
  let database = opened.get(dir);
  if (!database) {
    database = openOrJoin(dir);
    opened.set(dir, database);
    database.catch(() => opened.delete(dir));
  }
  return database;
}

async function openOrJoin(dir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socketDir = socketDirFor(dir);
  const lockFile = join(dir, 'pglite.lock');
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await socketAnswers(join(socketDir, SOCKET_FILE))) {
      return { socketDir, close: async () => undefined };
    }
    if (takeLock(lockFile)) {
      try {
        return await serveDataDir(dir, socketDir, lockFile);
      } catch (error) {
        rmSync(lockFile, { force: true });
        throw error;
      }
    }
    // Another process holds the lock and is still starting PGlite: wait for its socket.
    await sleep(100);
  }
  throw new Error(
    `The embedded database in ${dir} is locked by another process that never served it`,
  );
}

async function serveDataDir(
  dir: string,
  socketDir: string,
  lockFile: string,
): Promise<EmbeddedDatabase> {
  const { PGlite, extensions } = await loadPglite();
  const started = Date.now();
  const db = await PGlite.create(join(dir, 'pgdata'), { extensions });
  const server = await serveOnSocket(db, socketDir);
  logger.info({ dataDir: dir, ms: Date.now() - started }, 'embedded PGlite database ready');
  const close = async () => {
    unregister();
    await server.stop();
    await db.close();
    rmSync(lockFile, { force: true });
    opened.delete(dir);
  };
  const unregister = onShutdown('embedded database', close, 'servers');
  return { socketDir, close };
}

/**
 * Serves an open PGlite instance on `<socketDir>/.s.PGSQL.5432`.
 * @returns the running server; `stop()` it before closing the database
 */
export function serveOnSocket(
  db: PGliteInstance,
  socketDir: string,
): Promise<{ stop(): Promise<void> }> {
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  return servePglite(db, join(socketDir, SOCKET_FILE));
}

function socketDirFor(dir: string): string {
  if (join(dir, SOCKET_FILE).length <= MAX_SOCKET_PATH) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  return join(tmpdir(), `manifest-pglite-${hash}`);
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Creates the lock file with our pid; clears a lock left by a process that is gone. */
function takeLock(lockFile: string): boolean {
  try {
    const fd = openSync(lockFile, 'wx');
    writeFileSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch {
    // An empty file is a lock being written this instant; only a dead pid is stale.
    const holder = Number(readFileOr(lockFile, ''));
    if (holder && !isAlive(holder)) rmSync(lockFile, { force: true });
    return false;
  }
}

function readFileOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

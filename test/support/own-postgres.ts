import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  chownSync,
  appendFileSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKnex, migrateToLatest } from '../../shared/db';
import { freePort } from './processes';

/**
 * A PostgreSQL server of a test's own, for fault injection: initdb into a temporary directory,
 * served on a spare loopback port, stopped and started at will. Every control goes through
 * `pg_ctl -D <its own data directory>`, so nothing here can reach another server (the
 * machine's PostgreSQL on 5432 in particular).
 */
export interface OwnPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth). */
  url: string;
  /** The temporary directory: data/, the server log, the Unix socket. */
  dir: string;
  /** Applies the project's migrations (what `npm run migrate` does). */
  migrate(): Promise<string[]>;
  /** Stops the server: `fast` rolls back open transactions and closes every session; `immediate` aborts. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (immediately) and deletes its directory. Safe to call twice, or after a failed start. */
  destroy(): Promise<void>;
  /** The server's own log, for a failure message. */
  log(): string;
}

/** The newest PostgreSQL server installed (Debian keeps each major under /usr/lib/postgresql). */
const BIN =
  process.env.TEST_POSTGRES_BIN ??
  join(
    '/usr/lib/postgresql',
    (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [])
      .filter((major) => /^\d+$/.test(major))
      .sort((a, b) => Number(b) - Number(a))[0] ?? '15',
    'bin',
  );
const run = promisify(execFile);

/** Why a server of our own cannot run here, or undefined when it can. */
export function ownPostgresUnavailable(): string | undefined {
  for (const tool of ['initdb', 'pg_ctl', 'postgres'])
    if (!existsSync(join(BIN, tool))) return `${join(BIN, tool)} is not installed`;
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser'))
    return 'running as root without runuser (PostgreSQL refuses to run as root)';
  return undefined;
}

/** Runs a PostgreSQL tool, as the `postgres` OS user when we are root (PostgreSQL refuses root). */
async function tool(name: string, args: string[], timeoutMs = 90_000): Promise<string> {
  const [file, argv] =
    process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', join(BIN, name), ...args]]
      : [join(BIN, name), args];
  try {
    const { stdout, stderr } = await run(file, argv, { timeout: timeoutMs });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${name} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: error },
    );
  }
}

/** initdb, configure, start; the caller must `destroy()` it (in afterAll). */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-faults-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  if (port === 5432) throw new Error('refusing port 5432: it belongs to the machine PostgreSQL');
  let running = false;
  let destroyed = false;
  const pgCtl = (args: string[]) => tool('pg_ctl', ['-D', data, ...args]);
  const server: OwnPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async migrate() {
      const db = createKnex(
        { connectionString: server.url },
        {
          DB_POOL_MAX: 1,
          DB_POOL_IDLE_MS: 1000,
          DB_CONNECT_TIMEOUT_MS: 5000,
          DB_STATEMENT_TIMEOUT_MS: 30000,
        },
      );
      try {
        return await migrateToLatest(db);
      } finally {
        await db.destroy();
      }
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await pgCtl(['stop', '-w', '-t', '30', '-m', mode]);
      running = false;
    },
    async start() {
      if (running) return;
      // -w: returns once the server accepts connections.
      await pgCtl(['start', '-w', '-t', '60', '-l', logFile]);
      running = true;
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      // Whatever state it is in (a test failed mid-way): a stop that finds no server fails, harmlessly.
      if (existsSync(join(data, 'postmaster.pid')))
        await pgCtl(['stop', '-w', '-t', '30', '-m', 'immediate']).catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : ''),
  };
  try {
    await tool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    // Loopback TCP only, the socket in our own directory (not /var/run/postgresql, which the
    // machine's server uses). fsync off: a test server, never a crash of the machine to survive.
    appendFileSync(
      join(data, 'postgresql.conf'),
      [
        '',
        `port = ${port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        'fsync = off',
        'max_connections = 50',
        '',
      ].join('\n'),
    );
    await server.start();
    return server;
  } catch (error) {
    await server.destroy();
    throw error;
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    run('id', ['-u', 'postgres']).then((r) => Number(r.stdout.trim())),
    run('id', ['-g', 'postgres']).then((r) => Number(r.stdout.trim())),
  ]);
  return { uid, gid };
}

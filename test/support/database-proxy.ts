import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';

/** A TCP proxy in front of a test database, telling the test when a client sends it anything. */
export interface DatabaseProxy {
  /** DATABASE_URL through the proxy. */
  url: string;
  /** Resolves at the next bytes any client sends the database after this call. */
  nextClientBytes(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a proxy on a loopback port in front of the database at `databaseUrl` (PostgreSQL over
 * TCP, or PGlite's Unix socket, `?host=<dir>`). A test sequences on it: "the request has sent
 * its query" is the proxy seeing the bytes, not a sleep.
 */
export async function startDatabaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const target = new URL(databaseUrl);
  const socketDir = target.searchParams.get('host');
  const upstream = () =>
    socketDir
      ? createConnection(join(socketDir, `.s.PGSQL.${target.port || 5432}`))
      : createConnection(Number(target.port || 5432), target.hostname);
  let waiters: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const db = upstream();
    for (const s of [client, db]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', () => waiters.splice(0).forEach((wake) => wake()));
    client.pipe(db).pipe(client);
    client.once('close', () => db.destroy());
    db.once('close', () => client.destroy());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const port = (server.address() as { port: number }).port;
  const url = new URL(databaseUrl);
  url.searchParams.delete('host');
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    nextClientBytes: () => new Promise<void>((wake) => waiters.push(wake)),
    close: async () => {
      waiters = [];
      for (const s of sockets) s.destroy();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}

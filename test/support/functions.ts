import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { getTestServer } from '@google-cloud/functions-framework/testing';

/**
 * Serves one function of `functions/` exactly as functions-framework runs it in the cloud
 * (its own Express app, body parsing and CloudEvent conversion), on a free loopback port.
 * @returns the base URL (no trailing slash) and a close function
 */
export async function serveFunction(
  name: string,
): Promise<{ url: string; close(): Promise<void> }> {
  await import(resolve(__dirname, '../../functions', name));
  const server = getTestServer(name);
  // The client, never the server, closes an idle keep-alive connection: with Node's default
  // (the server closes after 5 s idle), a request sent on a socket just as the server closes it
  // fails with ECONNRESET (seen on a starved machine: a POST of 32 MB). 0 turns the server's
  // timer off; fetch closes its idle sockets after 4 s, and close() below ends the rest.
  server.keepAliveTimeout = 0;
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** Starts a function for the enclosing describe block; returns a getter for its base URL. */
export function useFunction(name: string): () => string {
  let served: { url: string; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    served = await serveFunction(name);
  });
  afterAll(async () => {
    await served?.close();
  });
  return () => {
    if (!served) throw new Error(`${name} is not being served yet`);
    return served.url;
  };
}

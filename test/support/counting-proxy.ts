import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy's owner decides about each request. */
export interface ProxyHooks {
  /**
   * A request has arrived: resolves when it may go on to the target (the owner holds it until
   * the target listens and has its CPU), or with why it may not (answered 503).
   */
  arrived(): Promise<string | undefined>;
  /** Its answer has gone out to the client in full, or the client has gone. */
  done(): void;
}

/** A proxy on a loopback port of its own. */
export interface CountingProxy {
  url: string;
  close(): void;
}

/**
 * A small HTTP proxy in front of one process on a loopback port, telling its owner when each
 * request arrives and when its answer is complete, so the owner can count requests in flight.
 */
export async function startCountingProxy(
  targetPort: number,
  hooks: ProxyHooks,
): Promise<CountingProxy> {
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      hooks.done();
    };
    res.once('finish', end);
    res.once('close', end);
    // The body is read whole first, so a request can be sent again (see forward).
    const body = new Promise<Buffer>((done, failed) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.once('end', () => done(Buffer.concat(chunks)));
      req.once('error', failed);
    });
    void Promise.all([hooks.arrived(), body])
      .then(([refused, payload]) => {
        if (refused) return fail(res, 503, refused);
        forward(req, payload, res, targetPort, agent);
      })
      .catch((error: unknown) => fail(res, 502, `the proxy could not forward: ${error}`));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

/**
 * Sends the request on to the target. A kept-alive connection the target has closed while idle
 * (its server's 5 s keep-alive timer fires first thing when a frozen process is thawed) fails
 * with ECONNRESET before any answer: that request was never read, so it is sent once more on a
 * new connection, as Node's documentation advises (request.reusedSocket).
 */
function forward(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  targetPort: number,
  agent: Agent,
  retried = false,
): void {
  const upstream = request(
    {
      host: '127.0.0.1',
      port: targetPort,
      method: req.method,
      path: req.url,
      headers: req.headers,
      // The retry on a connection of its own: another idle one may be just as closed.
      agent: retried ? false : agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.once('error', (error: NodeJS.ErrnoException) => {
    if (!retried && upstream.reusedSocket && error.code === 'ECONNRESET' && !res.headersSent)
      return forward(req, body, res, targetPort, agent, true);
    fail(res, 502, `the function did not answer: ${error}`);
  });
  upstream.end(body);
}

function fail(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) res.destroy();
  else res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}

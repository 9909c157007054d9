import express, { type NextFunction, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { toHttpProblem } from '../http/errors';
import { sendHtml } from '../http/html';
import { sendJson } from '../http/json';
import { HttpProblem, sendProblem } from '../http/problem';
import { API_SECURITY_HEADERS, setHeaders } from '../http/security-headers';
import { parseDeadLetterId, UnknownDeadLetterError } from '../events/redrive';
import type { PushSubscriptionSpec } from '../events/subscriptions';
import { readConsoleState } from './console-data';
import { consolePage, type ConsoleContext } from './console-page';
import { apiExplorer } from './api-explorer';
import type { DeliveryLog } from './deliveries';

/** What the console reads and can do. */
export interface LocalConsoleOptions {
  database: () => Promise<Knex>;
  deliveries: DeliveryLog;
  functions: ConsoleContext['functions'];
  subscriptions: PushSubscriptionSpec[];
  eventsTopic: string;
  delivery: string;
  databaseName: string;
  /** The AsyncAPI document of the events topic, served at /asyncapi.json. */
  asyncApi: Record<string, unknown>;
  /**
   * Replays one dead letter (by its redrive id, `db-<row>`), answering what it did in a
   * sentence. Unset: the console says replay is not there, and disables the button.
   */
  replay?: (deadLetterId: string) => Promise<string>;
}

/** The first path segments the console answers at the gateway (function names never are). */
export const CONSOLE_SEGMENTS = new Set(['', '_local', 'asyncapi.json', 'ui']);

/**
 * The local stack's console (`npm start` only; never in a function, so never deployed): at
 * `GET /` an HTML page for a browser, and the JSON list of functions for anyone asking for
 * JSON (the default); the AsyncAPI document at `/asyncapi.json`; the API explorer at `/ui`.
 * A dead letter's replay is a POST form (no script: the pages' CSP allows none), refused
 * unless it comes from the console's own page.
 */
export function localConsole(options: LocalConsoleOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get('/', async (req: Request, res: Response) => {
    const type = req.accepts(['application/json', 'text/html']);
    res.setHeader('Cache-Control', 'no-store');
    if (type !== 'text/html') {
      sendJson(res, {
        functions: options.functions.map((fn) => ({ name: fn.name, path: `/${fn.name}` })),
      });
      return;
    }
    const db = await options.database();
    const state = await readConsoleState(
      db,
      options.deliveries,
      options.subscriptions,
      options.eventsTopic,
    );
    const replayed = typeof req.query.replayed === 'string' ? req.query.replayed : undefined;
    sendHtml(
      res,
      200,
      consolePage(
        {
          origin: `${req.protocol}://${req.get('host') ?? 'localhost'}`,
          functions: options.functions,
          subscriptions: options.subscriptions,
          delivery: options.delivery,
          database: options.databaseName,
          replay: options.replay !== undefined,
          notice: replayed,
        },
        state,
      ),
    );
  });

  // Beside the OpenAPI document (/people/openapi.json): the events' contract.
  app.get('/asyncapi.json', (_req: Request, res: Response) => {
    setHeaders(res, API_SECURITY_HEADERS);
    res.setHeader('Cache-Control', 'no-cache');
    sendJson(res, options.asyncApi);
  });

  app.use(apiExplorer());

  app.post('/_local/dead-letters/:id/replay', async (req: Request, res: Response) => {
    // The console's own form: Sec-Fetch-Site says same-origin (its Origin is "null": the page
    // sends no referrer). Another site's form says cross-site, or names its origin.
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const foreignOrigin =
      origin !== undefined &&
      origin !== 'null' &&
      origin !== `${req.protocol}://${req.get('host')}`;
    if ((site !== undefined && site !== 'same-origin') || foreignOrigin)
      throw new HttpProblem(403, 'A replay must come from the console itself.');
    if (!options.replay)
      throw new HttpProblem(
        501,
        'Replay is not there in this stack: no dead-letter redrive is wired.',
      );
    const id = String(req.params.id);
    if (!parseDeadLetterId(id)) throw new HttpProblem(404, `No dead letter has the id "${id}".`);
    const said = await options.replay(id).catch((error: unknown) => {
      if (error instanceof UnknownDeadLetterError) throw new HttpProblem(404, error.message);
      throw error;
    });
    res.redirect(303, `/?replayed=${encodeURIComponent(said)}#dead-letters`);
  });

  app.use((req: Request) => {
    throw new HttpProblem(404, `No such resource: ${req.method} ${req.path}.`);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, toHttpProblem(error));
  });
  return app;
}

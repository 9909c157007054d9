import type { Request, Response } from 'express';
import { readyDatabase } from '../db';
import { sendHtml } from '../http/html';
import { sendJson } from '../http/json';
import { HttpProblem } from '../http/problem';
import type { Routes } from '../http/routes';
import { readStats } from './report';
import { statsPage } from './views';

/** `GET /stats`: the passenger_stats read model as JSON, or as an HTML page with a chart. */
export function statsRoutes(): Routes {
  return {
    '/': {
      GET: async (req: Request, res: Response) => {
        const type = req.accepts(['application/json', 'text/html']);
        if (!type)
          throw new HttpProblem(
            406,
            'This resource is available as application/json or text/html.',
          );
        const report = await readStats(await readyDatabase());
        res.setHeader('Cache-Control', 'no-cache');
        if (type === 'text/html') return sendHtml(res, 200, statsPage(report));
        sendJson(res, report);
      },
    },
  };
}

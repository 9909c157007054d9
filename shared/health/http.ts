import { Type } from '@sinclair/typebox';
import type { Request, Response } from 'express';
import { sendJson } from '../http/json';
import type { Routes } from '../http/routes';
import { assertValidParameters } from '../http/validation';
import { compileParameters } from '../validation/parameters';
import { checkHealth } from './check';

const readHealthQuery = compileParameters(
  Type.Object({
    strict: Type.Optional(
      Type.Boolean({ description: 'Answer 503 unless the status is ok (degraded too).' }),
    ),
  }),
);

/**
 * `GET /health`: the report (check.ts), answered 200 unless the service cannot serve
 * (`unavailable`: 503), so a degraded service stays live for load balancers. With
 * `?strict=true` anything but `ok` is 503: the uptime check (terraform/modules/monitoring)
 * calls it so, and so alerts on a degraded service as on a down one.
 */
export function healthRoutes(): Routes {
  return {
    '/': {
      GET: async (req: Request, res: Response) => {
        const { strict = false } = assertValidParameters(readHealthQuery, req.query, 'query');
        const report = await checkHealth();
        const failing = report.status === 'unavailable' || (strict && report.status !== 'ok');
        res.status(failing ? 503 : 200).setHeader('Cache-Control', 'no-store');
        sendJson(res, report);
      },
    },
  };
}

import { Type } from '@sinclair/typebox';
import express, { type Request, type Response } from 'express';
import { methodNotAllowed } from '../http/app';
import { sendJson } from '../http/json';
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
export function healthRoutes(): express.Router {
  const router = express.Router();
  router
    .route('/')
    .get(async (req: Request, res: Response) => {
      const { strict = false } = assertValidParameters(readHealthQuery, req.query, 'query');
      const report = await checkHealth();
      const failing = report.status === 'unavailable' || (strict && report.status !== 'ok');
      res.status(failing ? 503 : 200).setHeader('Cache-Control', 'no-store');
      sendJson(res, report);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}

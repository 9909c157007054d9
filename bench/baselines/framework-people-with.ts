// The framework baseline (framework-people.ts) plus some of the behaviours every request of a
// function of ours goes through, each the function's own code from shared/, and nothing else of
// ours (no Express routes, no res.json, no validation of the path): what those behaviours cost
// by themselves. Which ones is fixed when bundled (bench/profile/cpu-per-request.ts --with=...):
//   headers  the API's security headers (http/security-headers.ts)
//   context  the request's trace and log context, AsyncLocalStorage (http/request-context.ts)
//   entry    the instance's entry: in-flight tracking, cold start awaited (runtime/entry.ts)
//   auth     API-key authentication (http/auth.ts)
//   outbox   POST writes the person with its outbox row and event (people/changes.ts)
import { http } from '@google-cloud/functions-framework';
import type { Request, Response } from 'express';
import { authenticate } from '../../shared/http/auth';
import { answerAsProblem } from '../../shared/http/framework-errors';
import { requestContext } from '../../shared/http/request-context';
import { requestState } from '../../shared/http/request-state';
import { API_SECURITY_HEADERS, setHeaders } from '../../shared/http/security-headers';
import { formatTraceparent } from '../../shared/logging';
import { addPerson } from '../../shared/people/changes';
import { enterRequest, startInstance } from '../../shared/runtime/entry';
import { leaveFrameworkDomain } from '../../shared/runtime/framework-domain';
import { db, peopleHandler, replyJson, validPerson } from './people-handler';

/** Replaced by the bundler (esbuild's define): the behaviours of this build, comma-separated. */
declare const BEHAVIOURS: string;
const on = new Set(BEHAVIOURS.split(','));

const inContext = requestContext('people');
if (on.has('entry')) startInstance(answerAsProblem);

/** POST /people as the baseline answers it, but the person written with its outbox row. */
function createWithOutbox(req: Request, res: Response): void {
  const reply = (status: number, body?: unknown) => replyJson(res, status, body);
  const data: unknown = req.body;
  if (!validPerson(data)) return reply(400, validPerson.problems());
  const { actor, trace } = requestState(req);
  addPerson(db, data, { actor, traceparent: formatTraceparent(trace) }).then(
    (person) => reply(201, person),
    () => reply(500),
  );
}

http('people', (req: Request, res: Response) => {
  const handle = () =>
    on.has('outbox') && req.method === 'POST'
      ? createWithOutbox(req, res)
      : peopleHandler(req, res);
  const authenticated = on.has('auth') ? () => authenticate(req, res, handle) : handle;
  const inLogContext = on.has('context') ? () => inContext(req, res, authenticated) : authenticated;
  if (on.has('headers')) setHeaders(res, API_SECURITY_HEADERS);
  if (on.has('entry')) return enterRequest(req, res, inLogContext);
  const left = leaveFrameworkDomain();
  if (left) void left.then(inLogContext);
  else inLogContext();
});

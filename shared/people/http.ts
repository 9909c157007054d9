import type { Request, Response } from 'express';
import { readyDatabase } from '../db';
import { formatTraceparent } from '../logging';
import { jsonBody } from '../http/body';
import { sendHtml } from '../http/html';
import { sendJson } from '../http/json';
import { HttpProblem } from '../http/problem';
import type { Routes } from '../http/routes';
import { requestState } from '../http/request-state';
import { assertValid, assertValidParameters } from '../http/validation';
import { compileValidator } from '../validation';
import { compileParameters } from '../validation/parameters';
import { importCsvBody } from '../import/http';
import { CURSOR_SHAPE, encodeCursor, readCursor } from './cursor';
import { openApiDocument } from './openapi';
import { addPerson, changePerson, removePerson, type ChangeContext } from './changes';
import { findPerson, listPeople } from './repository';
import {
  CreateQuery,
  ListFilter,
  ListQuery,
  PAGE_LIMIT,
  PersonData,
  PersonPath,
  PersonUpdate,
} from './schema';
import { peopleListPage, personPage } from './views';

const validPersonData = compileValidator(PersonData);
const validPersonUpdate = compileValidator(PersonUpdate);
const readListQuery = compileParameters(ListQuery);
const readCreateQuery = compileParameters(CreateQuery);
const readPersonPath = compileParameters(PersonPath);

/** The routes of the people API (see openapi.ts for the contract; paths.ts lists its methods). */
export function peopleRoutes(): Routes {
  return {
    '/openapi.json': { GET: openApi },
    '/': { GET: list, POST: create },
    '/:uuid': { GET: show, PUT: update, DELETE: remove },
  };
}

function openApi(_req: Request, res: Response): void {
  res.setHeader('Cache-Control', 'public, max-age=300');
  sendJson(res, openApiDocument);
}

async function list(req: Request, res: Response): Promise<void> {
  const wantsHtml = negotiate(req);
  const {
    limit = PAGE_LIMIT.default,
    cursor,
    ...filter
  } = assertValidParameters(readListQuery, withoutEmptyFilters(req.query), 'query');
  const after = cursor === undefined ? undefined : pageAfter(cursor, filter);
  const db = await readyDatabase();
  const { people, nextAfter } = await listPeople(db, { limit, after, filter });
  const base = req.baseUrl || '/';
  const first = `${base}?${listSearch(limit, filter)}`;
  const next = nextAfter ? `${first}&cursor=${encodeCursor(nextAfter, filter)}` : undefined;
  if (next) res.setHeader('Link', `<${next}>; rel="next"`);
  if (wantsHtml)
    return sendHtml(res, 200, peopleListPage(people, { self: base, next, first, filter, limit }));
  sendJson(res, people);
}

/**
 * The query without the filters given as empty text: what the HTML page's form sends for
 * "any" (a form without script sends every field). Other parameters keep their rules.
 */
function withoutEmptyFilters(query: Request['query']): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).filter(
      ([name, value]) => !(name in ListFilter.properties && value === ''),
    ),
  );
}

/** The query of a list's pages: its limit and filters, in the order ListQuery declares them. */
function listSearch(limit: number, filter: ListFilter): string {
  const search = new URLSearchParams({ limit: String(limit) });
  for (const name of Object.keys(ListFilter.properties) as (keyof ListFilter)[]) {
    const value = filter[name];
    if (value !== undefined) search.set(name, String(value));
  }
  return search.toString();
}

async function create(req: Request, res: Response): Promise<void> {
  const query = assertValidParameters(readCreateQuery, req.query, 'query');
  if (req.is('text/csv'))
    return importCsvBody(req, res, { skipInvalid: query.skipInvalid ?? false });
  const data = assertValid(
    validPersonData,
    jsonBody(req, ['application/json', 'text/csv']),
    'person',
  );
  const person = await addPerson(await readyDatabase(), data, changeContext(req));
  res
    .status(201)
    .setHeader('Location', `${req.baseUrl}/${person.uuid}`)
    .setHeader('Cache-Control', 'no-store');
  sendJson(res, person);
}

async function show(req: Request, res: Response): Promise<void> {
  const wantsHtml = negotiate(req);
  const uuid = personUuid(req);
  const person = await findPerson(await readyDatabase(), uuid);
  if (!person) throw notFound(uuid);
  if (wantsHtml) return sendHtml(res, 200, personPage(person, req.baseUrl || '/'));
  sendJson(res, person);
}

async function update(req: Request, res: Response): Promise<void> {
  const uuid = personUuid(req);
  const changes = assertValid(validPersonUpdate, jsonBody(req), 'update');
  const person = await changePerson(await readyDatabase(), uuid, changes, changeContext(req));
  if (!person) throw notFound(uuid);
  res.setHeader('Cache-Control', 'no-store');
  sendJson(res, person);
}

async function remove(req: Request, res: Response): Promise<void> {
  const uuid = personUuid(req);
  const deleted = await removePerson(await readyDatabase(), uuid, changeContext(req));
  if (!deleted) throw notFound(uuid);
  res.status(204).setHeader('Cache-Control', 'no-store').end();
}

/** Who is changing what, for the event: the request's trace travels with it. */
function changeContext(req: Request): ChangeContext {
  const { actor, trace } = requestState(req);
  return { actor, traceparent: formatTraceparent(trace) };
}

/** true for HTML, false for JSON; 406 when the client accepts neither. */
function negotiate(req: Request): boolean {
  // Without Accept (most API clients), or with any type, the first offered: JSON.
  const accept = req.headers.accept;
  if (accept === undefined || accept === '*/*') return false;
  const type = req.accepts(['application/json', 'text/html']);
  if (!type)
    throw new HttpProblem(406, 'This resource is available as application/json or text/html.');
  return type === 'text/html';
}

/** The uuid of the path, in lower case (the path's schema allows either). */
function personUuid(req: Request): string {
  return assertValidParameters(readPersonPath, req.params, 'path').uuid.toLowerCase();
}

/**
 * The uuid a cursor continues after; a 400 naming it when it is not one the API issued, or
 * was issued for other filters (it would continue another list).
 */
function pageAfter(cursor: string, filter: ListFilter): string {
  const reading = readCursor(cursor, filter);
  if ('after' in reading) return reading.after;
  if (reading.refused === 'other-filters')
    throw new HttpProblem(
      400,
      'cursor belongs to a list with other filters; start again from the first page.',
      {
        errors: [
          {
            field: 'cursor',
            code: 'not-allowed',
            message: 'cursor was issued for other filters than these',
          },
        ],
      },
    );
  throw new HttpProblem(400, 'cursor is not valid; use the Link header of the previous page.', {
    errors: [{ field: 'cursor', code: 'invalid-format', message: `cursor ${CURSOR_SHAPE.rule}` }],
  });
}

function notFound(uuid: string): HttpProblem {
  return new HttpProblem(404, `No person has uuid ${uuid}.`);
}

// Baseline for the people benchmarks: the same work as the function's routes (same knex
// factory and pool settings, same repository query, same validator) with none of the rest:
// no Express app of ours, no logging, no auth, no outbox. Served two ways: on a bare node:http
// server (bare-people.ts) and under the stock functions-framework (framework-people.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../shared/config';
import { createKnex } from '../../shared/db/knex';
import { findPerson, insertPerson } from '../../shared/people/repository';
import { PersonData } from '../../shared/people/schema';
import { compileValidator } from '../../shared/validation';

export const settings = loadConfig(process.env);
export const db = createKnex({ connectionString: settings.DATABASE_URL! }, settings);
export const validPerson = compileValidator(PersonData);
const UUID = /^\/people\/([0-9a-f-]{36})$/;

/** Reads a JSON body, unless a framework has parsed it already (functions-framework has). */
function jsonBody(req: IncomingMessage & { body?: unknown }): Promise<unknown> {
  if (req.body !== undefined) return Promise.resolve(req.body);
  return new Promise((done, fail) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => done(JSON.parse(text)));
    req.on('error', fail);
  });
}

/** A JSON answer (or an empty one), as plainly as node:http allows. */
export function replyJson(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

/** GET /people/{uuid} and POST /people, as plainly as node:http allows. */
export function peopleHandler(req: IncomingMessage, res: ServerResponse): void {
  const reply = (status: number, body?: unknown) => replyJson(res, status, body);
  const match = UUID.exec(req.url ?? '');
  if (req.method === 'GET' && match) {
    findPerson(db, match[1]!).then(
      (person) => (person ? reply(200, person) : reply(404)),
      () => reply(500),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/people') {
    jsonBody(req)
      .then(
        (data) => {
          if (!validPerson(data)) return reply(400, validPerson.problems());
          const person = { uuid: randomUUID(), ...data, survived: data.survived ?? false };
          return insertPerson(db, person).then(() => reply(201, person));
        },
        () => reply(400),
      )
      .catch(() => reply(500));
    return;
  }
  reply(404);
}

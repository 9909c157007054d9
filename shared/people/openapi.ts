import type { TObject } from '@sinclair/typebox';
import {
  commonHeaders,
  commonResponses,
  commonSchemas,
  fixedHeader,
  headersOf,
  problem,
  responseRef,
  schemaRef,
} from './openapi-parts';
import { OPENAPI_METHODS, PEOPLE_METHODS, type PeoplePath } from './paths';
import { CreateQuery, ListQuery, Person, PersonData, PersonPath, PersonUpdate } from './schema';

/** The OpenAPI parameters of a query or path schema: one per property, with its schema. */
const parameters = (location: 'query' | 'path', schema: TObject) =>
  Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (schema.required ?? []).includes(name),
    ...(property.description ? { description: property.description as string } : {}),
    schema: property,
  }));

type Responses = Record<string, object>;
interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  security?: object[];
  parameters?: object[];
  requestBody?: object;
  responses: Responses;
}

/** Reads need no key unless the deployment sets READ_REQUIRES_AUTH; writes always do. */
const readSecurity = [{}, { apiKey: [] }];
const writeSecurity = [{ apiKey: [] }];
const SAFE_METHODS = new Set(['get', 'head', 'options']);

/**
 * An operation with the responses the HTTP layer adds to whatever its route answers: an
 * unreadable body (400, 413, 415, with any method), no key (401), headers too large (431), an
 * unexpected error (500), and, for routes that use the database, 503.
 */
function operation(
  spec: Operation & { method: string; database: boolean; negotiates?: boolean },
): Operation {
  const { method, database, negotiates, ...rest } = spec;
  return {
    ...rest,
    security: rest.security ?? (SAFE_METHODS.has(method) ? readSecurity : writeSecurity),
    responses: {
      '400': responseRef('BadBody'),
      '401': responseRef('Unauthorized'),
      ...(negotiates ? { '406': responseRef('NotAcceptable') } : {}),
      '413': responseRef('TooLarge'),
      '415': responseRef('UnsupportedMediaType'),
      '431': responseRef('HeadersTooLarge'),
      '500': responseRef('Unexpected'),
      ...(database ? { '503': responseRef('Unavailable') } : {}),
      ...rest.responses,
    },
  };
}

/** HEAD: the GET's answers, without their bodies. */
function headOf(get: Operation, operationId: string): Operation {
  const responses = Object.fromEntries(
    Object.entries(get.responses).map(([status, response]) => {
      if ('$ref' in response) return [status, response];
      const { content: _body, ...rest } = response as { content?: object };
      return [status, rest];
    }),
  );
  return { ...get, operationId, summary: `${get.summary} Headers only.`, responses };
}

/** Every method OpenAPI names that a path does not answer: 405, with `Allow` listing those it does. */
function notAllowed(path: PeoplePath, name: string): Record<string, Operation> {
  const allowed = PEOPLE_METHODS[path] as readonly string[];
  const allow = allowed.join(', ');
  return Object.fromEntries(
    OPENAPI_METHODS.filter((method) => !allowed.includes(method.toUpperCase())).map((method) => [
      method,
      operation({
        method,
        database: false,
        operationId: `${method}${name}NotAllowed`,
        summary: `Not supported: 405, with \`Allow: ${allow}\`.`,
        responses: {
          '405': {
            ...problem(`${method.toUpperCase()} is not a method of this path.`),
            headers: {
              ...headersOf([]),
              Allow: fixedHeader('The methods this path answers.', allow),
            },
          },
        },
      }),
    ]),
  );
}

const html = { schema: { type: 'string' } };
const personResponse = (description: string) => ({
  description,
  headers: headersOf([], true),
  content: { 'application/json': { schema: schemaRef('Person') }, 'text/html': html },
});
const written = (description: string, headers: object = {}) => ({
  description,
  headers: { ...headersOf([]), ...headers },
  content: { 'application/json': { schema: schemaRef('Person') } },
});
const notFound = problem('No such person.');

const listPeople = operation({
  method: 'get',
  database: true,
  negotiates: true,
  operationId: 'listPeople',
  summary: 'List people, a page at a time (keyset pagination in uuid order), filtered.',
  description:
    'The filters (passengerClass, sex, survived, name) combine with AND; each may be given once. A filter given empty, as an HTML form sends "any", is no filter. The `Link` to the next page keeps them, and its cursor holds them: sent with other filters, it is refused (400 naming `cursor`).',
  parameters: parameters('query', ListQuery),
  responses: {
    '200': {
      description:
        'One page of people. A `Link` header with rel="next" points at the next page, when there is one.',
      headers: {
        ...headersOf([], true),
        Link: {
          description: 'The next page: `<url>; rel="next"`. Absent on the last page.',
          schema: { type: 'string', pattern: '^<[^>]+>; rel="next"$' },
        },
      },
      content: {
        'application/json': { schema: { type: 'array', items: schemaRef('Person') } },
        'text/html': html,
      },
    },
  },
});

const getPerson = operation({
  method: 'get',
  database: true,
  negotiates: true,
  operationId: 'getPerson',
  summary: 'One person.',
  responses: { '200': personResponse('The person.'), '404': notFound },
});

const getOpenApiDocument = operation({
  method: 'get',
  database: false,
  operationId: 'getOpenApiDocument',
  summary: 'This document.',
  responses: {
    '200': {
      description: 'The people API as OpenAPI 3.1.',
      headers: headersOf([]),
      content: { 'application/json': { schema: schemaRef('OpenApiDocument') } },
    },
  },
});

/**
 * The people API as an OpenAPI 3.1 document, served at `GET /people/openapi.json`.
 * Its schemas, of bodies and of parameters, are the very objects the function validates
 * with (shared/people/schema.ts). It declares every status and header the server can send for
 * each operation (test/integration/openapi-coverage.test.ts checks that against the server).
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'manifest people API',
    version: '1.0.0',
    description:
      'The passengers of the manifest. Errors are RFC 9457 problem details. Send `Accept: text/html` for readable pages. Any other path answers 404. `x-max-decimal-places` on a number is enforced by the server: the most decimals it may be written with.',
  },
  servers: [{ url: '/' }],
  paths: {
    '/people': {
      get: listPeople,
      head: headOf(listPeople, 'headPeople'),
      post: operation({
        method: 'post',
        database: true,
        operationId: 'createPerson',
        summary: 'Add a person, or import a CSV passenger list.',
        parameters: parameters('query', CreateQuery),
        requestBody: {
          required: true,
          description:
            'A person as JSON, or a passenger list as CSV to import, all or nothing (the Titanic header or the API field names).',
          content: {
            'application/json': { schema: schemaRef('PersonData') },
            'text/csv': { schema: { type: 'string' } },
          },
        },
        responses: {
          '200': {
            description: 'A CSV body, imported.',
            headers: headersOf([]),
            content: { 'application/json': { schema: schemaRef('ImportSummary') } },
          },
          '201': written('Created; `Location` names the new person.', {
            Location: {
              description: 'The new person: `/people/{uuid}`.',
              required: true,
              schema: { type: 'string' },
            },
          }),
          '400': {
            ...problem(
              'A body that could not be read or parsed, a bad `skipInvalid`, fields that break the rules (each named in `errors`), a CSV file that is not a passenger list, or CSV rows that break the rules (an ImportRejection: each bad field with its `line`, named by its column).',
            ),
            content: {
              'application/problem+json': {
                schema: { anyOf: [schemaRef('Problem'), schemaRef('ImportRejection')] },
              },
            },
          },
        },
      }),
      ...notAllowed('/people', 'People'),
    },
    '/people/{uuid}': {
      parameters: parameters('path', PersonPath),
      get: getPerson,
      head: headOf(getPerson, 'headPerson'),
      put: operation({
        method: 'put',
        database: true,
        operationId: 'updatePerson',
        summary:
          'Change some fields: those present replace, those absent stay; `{}` changes nothing.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schemaRef('PersonUpdate') } },
        },
        responses: { '200': written('The person after the change.'), '404': notFound },
      }),
      delete: operation({
        method: 'delete',
        database: true,
        operationId: 'deletePerson',
        summary: 'Remove a person.',
        responses: {
          '204': { description: 'Deleted.', headers: headersOf([]) },
          '404': notFound,
        },
      }),
      ...notAllowed('/people/{uuid}', 'Person'),
    },
    '/people/openapi.json': {
      get: getOpenApiDocument,
      head: headOf(getOpenApiDocument, 'headOpenApiDocument'),
      ...notAllowed('/people/openapi.json', 'OpenApiDocument'),
    },
  },
  components: {
    schemas: { Person, PersonData, PersonUpdate, ...commonSchemas },
    headers: commonHeaders,
    responses: commonResponses,
    securitySchemes: {
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        description: "One of the keys in the deployment's API_KEYS.",
      },
    },
  },
} as const;

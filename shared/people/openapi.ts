import { Type, type TObject } from '@sinclair/typebox';
import { ListQuery, Person, PersonData, PersonPath, PersonUpdate } from './schema';

const FieldError = Type.Object({
  field: Type.String({ description: 'The bad field, e.g. `age`.' }),
  code: Type.String({
    description:
      'missing, wrong-type, out-of-range, too-long, too-short, unknown-property, not-allowed, invalid-format or too-precise.',
  }),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'For a row of an imported file: its line.' })),
});

const ImportSummary = Type.Object({
  source: Type.String(),
  imported: Type.Integer(),
  rejected: Type.Integer(),
  seconds: Type.Number(),
  rejects: Type.Optional(
    Type.Array(Type.Object({ line: Type.Integer(), errors: Type.Array(FieldError) })),
  ),
});

const Problem = Type.Object({
  type: Type.String({ format: 'uri-reference' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(FieldError)),
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
/** The OpenAPI parameters of a query or path schema: one per property, with its schema. */
const parameters = (location: 'query' | 'path', schema: TObject) =>
  Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (schema.required ?? []).includes(name),
    ...(property.description ? { description: property.description as string } : {}),
    schema: property,
  }));
const unauthorized = problem('No API key, or one that is not valid (see `WWW-Authenticate`).');
/** Writes need an API key; reads too when the deployment sets READ_REQUIRES_AUTH. */
const secured = { security: [{ apiKey: [] }] };
/** An `Accept` that names neither JSON nor HTML. */
const notAcceptable = problem('An `Accept` header that allows neither JSON nor HTML.');

const personResponse = (description: string) => ({
  description,
  content: {
    'application/json': { schema: ref('Person') },
    'text/html': { schema: { type: 'string' } },
  },
});

/**
 * The people API as an OpenAPI 3.1 document, served at `GET /people/openapi.json`.
 * Its schemas, of bodies and of parameters, are the very objects the function validates
 * with (shared/people/schema.ts).
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'manifest people API',
    version: '1.0.0',
    description:
      'The passengers of the manifest. Errors are RFC 9457 problem details. Send `Accept: text/html` for readable pages. Any other path answers 404, any path 405 (with `Allow`) to a method it does not have, and the server answers 431, with no body, to headers or a URL over 16 KiB.',
  },
  servers: [{ url: '/' }],
  paths: {
    '/people': {
      get: {
        operationId: 'listPeople',
        summary: 'List people, a page at a time (keyset pagination in uuid order).',
        parameters: parameters('query', ListQuery),
        responses: {
          '200': {
            description:
              'One page of people. A `Link` header with rel="next" points at the next page, when there is one.',
            headers: { Link: { schema: { type: 'string' } } },
            content: {
              'application/json': { schema: { type: 'array', items: ref('Person') } },
              'text/html': { schema: { type: 'string' } },
            },
          },
          '400': problem('A malformed limit or cursor.'),
          '406': notAcceptable,
        },
      },
      post: {
        ...secured,
        operationId: 'createPerson',
        summary: 'Add a person.',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: ref('PersonData') },
            'text/csv': {
              schema: { type: 'string' },
              description:
                'A passenger list to import, all or nothing (the Titanic header or the API field names).',
            },
          },
        },
        responses: {
          '200': {
            description: 'A CSV body, imported.',
            content: { 'application/json': { schema: ref('ImportSummary') } },
          },
          '201': {
            description: 'Created; `Location` names the new person.',
            headers: { Location: { schema: { type: 'string' } } },
            content: { 'application/json': { schema: ref('Person') } },
          },
          '400': problem(
            'Malformed JSON, fields that break the rules (each named in `errors`), or CSV rows that do (each with its `line`).',
          ),
          '401': unauthorized,
          '413': problem('A JSON body over 1 MB, or a CSV body over 32 MB.'),
          '415': problem('A body that is neither application/json nor text/csv.'),
        },
      },
    },
    '/people/{uuid}': {
      parameters: parameters('path', PersonPath),
      get: {
        operationId: 'getPerson',
        summary: 'One person.',
        responses: {
          '200': personResponse('The person.'),
          '400': problem('A malformed uuid.'),
          '404': problem('No such person.'),
          '406': notAcceptable,
        },
      },
      put: {
        ...secured,
        operationId: 'updatePerson',
        summary:
          'Change some fields: those present replace, those absent stay; `{}` changes nothing.',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('PersonUpdate') } },
        },
        responses: {
          '200': {
            description: 'The person after the change.',
            content: { 'application/json': { schema: ref('Person') } },
          },
          '400': problem('A malformed uuid or body.'),
          '401': unauthorized,
          '404': problem('No such person.'),
          '413': problem('A body over 1 MB.'),
          '415': problem('A body that is not application/json.'),
        },
      },
      delete: {
        ...secured,
        operationId: 'deletePerson',
        summary: 'Remove a person.',
        responses: {
          '204': { description: 'Deleted.' },
          '400': problem('A malformed uuid.'),
          '401': unauthorized,
          '404': problem('No such person.'),
        },
      },
    },
    '/people/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document.',
        responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } },
      },
    },
  },
  components: {
    schemas: { Person, PersonData, PersonUpdate, Problem, FieldError, ImportSummary },
    securitySchemes: {
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        description: "One of the keys in the deployment's API_KEYS.",
      },
    },
  },
} as const;

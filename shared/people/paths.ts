/**
 * The people API's resources, as OpenAPI path templates, and the methods each answers. Any
 * other method is a 405 whose `Allow` lists these. GET brings HEAD (answered by the GET handler,
 * without the body). The OpenAPI document (openapi.ts) is made from this list; the routes
 * (http.ts) name their handlers, and openapi-coverage.test.ts holds that the two agree.
 */
export const PEOPLE_METHODS = {
  '/people': ['GET', 'HEAD', 'POST'],
  '/people/openapi.json': ['GET', 'HEAD'],
  '/people/{uuid}': ['GET', 'HEAD', 'PUT', 'DELETE'],
} as const satisfies Record<string, readonly string[]>;

export type PeoplePath = keyof typeof PEOPLE_METHODS;

/** The methods OpenAPI can describe (the fixed fields of a Path Item Object). */
export const OPENAPI_METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
] as const;

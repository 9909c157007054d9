import { HttpProblem } from '../../shared/http/problem';
import { allowedMethods, routeMatcher, type Routes } from '../../shared/http/routes';

const list = () => 'list';
const create = () => 'create';
const show = () => 'show';
const update = () => 'update';
const spec = () => 'spec';
const routes: Routes = {
  '/openapi.json': { GET: spec },
  '/': { GET: list, POST: create },
  '/:uuid': { GET: show, PUT: update },
};
const match = routeMatcher('people', routes);

describe('the routes of a function, matched under its mount and under /', () => {
  it('finds each route under /<mount> and under /, with the mount as req.baseUrl says it', () => {
    expect(match('GET', '/people')).toEqual({
      handler: list,
      allow: ['GET', 'HEAD', 'POST'],
      params: {},
      baseUrl: '/people',
    });
    expect(match('GET', '/')).toEqual({
      handler: list,
      allow: ['GET', 'HEAD', 'POST'],
      params: {},
      baseUrl: '',
    });
    expect(match('PUT', '/people/abc')).toEqual({
      handler: update,
      allow: ['GET', 'HEAD', 'PUT'],
      params: { uuid: 'abc' },
      baseUrl: '/people',
    });
    expect(match('PUT', '/abc')).toEqual({
      handler: update,
      allow: ['GET', 'HEAD', 'PUT'],
      params: { uuid: 'abc' },
      baseUrl: '',
    });
  });

  it('matches the mount in any case, keeping it and the parameters as the request spelled them', () => {
    const found = match('GET', '/PEOPLE/AbC');
    expect([found?.handler, found?.params, found?.baseUrl]).toEqual([
      show,
      { uuid: 'AbC' },
      '/PEOPLE',
    ]);
  });

  it('allows a trailing slash and ignores the query', () => {
    expect(match('GET', '/people/')?.handler).toBe(list);
    expect(match('GET', '/people/abc/?x=1&y=/z')?.params).toEqual({ uuid: 'abc' });
    expect(match('GET', '/people?limit=1')?.handler).toBe(list);
  });

  it('prefers a fixed path to a parameter, and takes only whole segments as the mount', () => {
    expect(match('GET', '/people/openapi.json')?.handler).toBe(spec);
    expect(match('GET', '/openapi.json')?.baseUrl).toBe('');
    const joined = match('GET', '/peopleabc');
    expect([joined?.handler, joined?.params, joined?.baseUrl]).toEqual([
      show,
      { uuid: 'peopleabc' },
      '',
    ]);
  });

  it('finds no route for a path none has', () => {
    expect(match('GET', '/people/a/b')).toBeUndefined();
    expect(match('GET', '/a/b')).toBeUndefined();
  });

  it('answers HEAD with the GET handler, and no handler for a method the route does not name', () => {
    expect(match('HEAD', '/people/abc')?.handler).toBe(show);
    const refused = match('DELETE', '/people/abc');
    expect([refused?.handler, refused?.allow]).toEqual([undefined, ['GET', 'HEAD', 'PUT']]);
    expect(match('OPTIONS', '/people')?.handler).toBeUndefined();
  });

  it('decodes parameters, of any length', () => {
    expect(match('GET', '/people/a%20b')?.params).toEqual({ uuid: 'a b' });
    const long = 'x'.repeat(5000);
    expect(match('GET', `/people/${long}`)?.params).toEqual({ uuid: long });
  });

  it('refuses a path that is not valid percent-encoding with a 400', () => {
    let thrown: unknown;
    try {
      match('GET', '/people/%zz');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpProblem);
    expect((thrown as HttpProblem).status).toBe(400);
  });
});

describe('the methods a route answers', () => {
  it('are the ones it names, GET bringing HEAD, in that order', () => {
    expect(allowedMethods({ GET: list, POST: create })).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods({ PUT: update, GET: show })).toEqual(['PUT', 'GET', 'HEAD']);
    expect(allowedMethods({ DELETE: update })).toEqual(['DELETE']);
  });
});

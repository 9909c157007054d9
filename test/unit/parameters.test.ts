import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../shared/validation';
import { compileParameters } from '../../shared/validation/parameters';

describe('reading URL parameters by their schema', () => {
  const read = compileParameters(
    Type.Object({
      page: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
      count: Type.Optional(Type.Integer()),
      survived: Type.Optional(Type.Boolean()),
      sex: Type.Optional(StringEnum(['male', 'female'])),
      code: Type.Optional(
        Type.String({ pattern: '^[a-z]{3}$', 'x-pattern-message': 'is 3 letters' }),
      ),
      name: Type.Optional(Type.String({ maxLength: 5 })),
      id: Type.String(),
    }),
  );

  it('reads each declared parameter as its type', () => {
    expect(
      read({
        page: '7',
        count: '-3',
        survived: 'false',
        sex: 'male',
        code: 'abc',
        name: 'Ann',
        id: 'x',
      }),
    ).toEqual({
      value: {
        page: 7,
        count: -3,
        survived: false,
        sex: 'male',
        code: 'abc',
        name: 'Ann',
        id: 'x',
      },
    });
  });

  it('leaves out the optional parameters that are absent, and ignores undeclared ones', () => {
    expect(read({ id: 'x', utm_source: 'mail', __proto__x: '1' })).toEqual({ value: { id: 'x' } });
  });

  it('names a required parameter that is absent', () => {
    expect(read({})).toEqual({
      problems: [{ field: 'id', code: 'missing', message: 'id is required' }],
    });
  });

  it.each(['1e1', '0x10', ' 7', '7 ', '+7', '7.0', 'NaN', 'Infinity', '', '9'.repeat(30)])(
    "refuses %p for a bounded integer as out of range, in its rule's words",
    (text) => {
      expect(read({ id: 'x', page: text })).toEqual({
        problems: [
          { field: 'page', code: 'out-of-range', message: 'page must be an integer from 1 to 50' },
        ],
      });
    },
  );

  it('checks a readable integer against its bounds', () => {
    expect(read({ id: 'x', page: '51' })).toEqual({
      problems: [{ field: 'page', code: 'out-of-range', message: 'page must be <= 50' }],
    });
    expect(read({ id: 'x', page: '-0' })).toMatchObject({
      problems: [{ field: 'page', code: 'out-of-range' }],
    });
  });

  it("refuses text that does not read as its type with the code of the parameter's rule", () => {
    const twice = ['a', 'b'];
    expect(
      read({ id: 'x', count: '1.5', survived: 'yes', sex: twice, code: twice, name: twice }),
    ).toEqual({
      problems: [
        { field: 'count', code: 'wrong-type', message: 'count must be an integer' },
        { field: 'survived', code: 'wrong-type', message: 'survived must be true or false' },
        { field: 'sex', code: 'not-allowed', message: 'sex must be one of male, female' },
        { field: 'code', code: 'invalid-format', message: 'code is 3 letters' },
        { field: 'name', code: 'wrong-type', message: 'name must be given once' },
      ],
    });
  });

  it('reports every bad parameter, each once', () => {
    expect(read({ page: 'x', sex: 'other', code: 'ABCD', name: 'too long' })).toEqual({
      problems: [
        { field: 'page', code: 'out-of-range', message: 'page must be an integer from 1 to 50' },
        { field: 'id', code: 'missing', message: 'id is required' },
        { field: 'sex', code: 'not-allowed', message: 'sex must be one of male, female' },
        { field: 'code', code: 'invalid-format', message: 'code is 3 letters' },
        { field: 'name', code: 'too-long', message: 'name must be at most 5 characters' },
      ],
    });
  });

  it('refuses, when compiled, a parameter that is not an integer, a boolean or a string', () => {
    expect(() => compileParameters(Type.Object({ ratio: Type.Number() }))).toThrow(
      'parameter ratio must be an integer, a boolean or a string',
    );
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openApiDocument } from '../../shared/people/openapi';
import { Person, PersonData } from '../../shared/people/schema';
import { compileValidator, decimalPlaces } from '../../shared/validation';
import { titanicRows } from '../support/titanic';

const VALIDATE = resolve(__dirname, '../support/validate-openapi.mjs');

/** The document as a client receives it: JSON, not the module's objects. */
const served = () => JSON.parse(JSON.stringify(openApiDocument)) as Record<string, any>;

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1, for an independent validator (@seriousme/openapi-schema-validator)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      writeFileSync(file, JSON.stringify(served()));
      const output = execFileSync(process.execPath, [VALIDATE, file], { encoding: 'utf8' });
      expect(JSON.parse(output)).toEqual({ valid: true, version: '3.1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('documents skipInvalid on POST /people, and the CSV report: rejected, listed, codes such as wrong-length', () => {
    const doc = served();
    const post = doc.paths['/people'].post;
    expect(post.parameters).toEqual([
      expect.objectContaining({
        name: 'skipInvalid',
        in: 'query',
        schema: expect.objectContaining({ type: 'boolean' }),
      }),
    ]);
    const rejection = doc.components.schemas.ImportRejection;
    expect(rejection.required).toEqual(expect.arrayContaining(['rejected', 'listed', 'errors']));
    expect(doc.components.schemas.FieldError.properties.code.enum).toContain('wrong-length');
    expect(JSON.stringify(post.responses['400'])).toContain('#/components/schemas/ImportRejection');
  });

  it("keeps the fare's four decimals and the age's two as x-max-decimal-places, with no multipleOf a float validator would get wrong", () => {
    expect(JSON.stringify(served())).not.toMatch(/"multipleOf":/);
    expect(Person.properties.fare['x-max-decimal-places']).toBe(4);
    expect(Person.properties.age['x-max-decimal-places']).toBe(2);
  });
});

describe('x-max-decimal-places', () => {
  it.each([
    [22, 0],
    [0.42, 2],
    [7.2292, 4],
    [512.3292, 4],
    [1e-7, 7],
    [1.5e-5, 6],
    [1e21, 0],
  ])('counts %p as %p places', (value, places) => {
    expect(decimalPlaces(value)).toBe(places);
  });

  it("takes every age and fare of the Titanic file, where multipleOf's float arithmetic refused 59 fares", () => {
    const valid = compileValidator(PersonData);
    const rows = titanicRows();
    const refused = rows.filter(
      (row) =>
        !valid({
          passengerClass: 1,
          name: 'X',
          sex: 'male',
          age: Number(row.Age),
          siblingsOrSpousesAboard: 0,
          parentsOrChildrenAboard: 0,
          fare: Number(row.Fare),
        }),
    );
    expect(refused).toEqual([]);
    const floatRefusals = new Set(
      rows.map((r) => Number(r.Fare)).filter((f) => !Number.isInteger(f / 0.0001)),
    );
    expect(floatRefusals.size).toBe(59);
  });
});

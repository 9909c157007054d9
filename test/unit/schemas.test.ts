import { resolve } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { deployments } from '../../shared/deploy/functions';
import { ListQuery, PersonData, PersonPath, PersonUpdate } from '../../shared/people/schema';
import { validatedSchemas } from '../../shared/validation';

const FUNCTIONS = resolve(__dirname, '../../functions');

describe('the schemas of the one validator', () => {
  // The validator skips the meta-schema check at run time (a cold-start cost); this is it.
  it('are each valid JSON Schema 2020-12, for every schema any function validates with', async () => {
    for (const name of deployments.map((d) => d.name)) await import(resolve(FUNCTIONS, name));
    const meta = new Ajv2020({ strict: false });
    const invalid = validatedSchemas()
      .filter((schema) => !meta.validateSchema(schema))
      .map((schema) => ({ schema, errors: meta.errors }));
    expect(validatedSchemas()).toEqual(
      expect.arrayContaining([PersonData, PersonUpdate, ListQuery, PersonPath]),
    );
    expect(invalid).toEqual([]);
  });
});

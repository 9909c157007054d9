import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { discoverFunctions } from '../../shared/local/functions';
import { deployments } from '../../shared/deploy/functions';
import { settingNames } from '../../shared/config';

const FUNCTIONS = resolve(__dirname, '../../functions');

describe('the deployment declarations in code', () => {
  it('declare exactly the functions of functions/', () => {
    expect(deployments.map((d) => d.name).sort()).toEqual(discoverFunctions(FUNCTIONS));
  });

  it('give each function the kind it registers with functions-framework', () => {
    for (const d of deployments) {
      const source = readFileSync(resolve(FUNCTIONS, d.name, 'index.ts'), 'utf8');
      const registered = /\b(http|cloudEvent)\('([^']+)'/.exec(source);
      expect([d.name, registered?.[2], registered?.[1] === 'http' ? 'http' : 'event']).toEqual([
        d.name,
        d.name,
        d.kind,
      ]);
    }
  });

  it('name only real settings, and every secret a function reads is among its settings', () => {
    for (const d of deployments) {
      for (const s of d.settings) expect(settingNames).toContain(s);
      for (const s of d.secrets) expect(d.settings).toContain(s);
    }
  });

  it('never mark a function that writes as read-only (only read-only ones may be public)', () => {
    expect(
      deployments
        .filter((d) => d.readOnly)
        .map((d) => d.name)
        .sort(),
    ).toEqual(['health', 'stats']);
  });
});

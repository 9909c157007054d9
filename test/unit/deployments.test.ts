import { resolve } from 'node:path';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { deployments } from '../../shared/deploy/functions';
import { pushSubscriptions } from '../../shared/deploy/subscriptions';
import { loadConfig, settingNames } from '../../shared/config';

const FUNCTIONS = resolve(__dirname, '../../functions');

describe('the function registry (shared/deploy/functions.ts)', () => {
  it('names exactly the folders of functions/, each holding an index.ts', () => {
    const folders = readdirSync(FUNCTIONS).sort();
    expect(deployments.map((d) => d.name).sort()).toEqual(folders);
    expect(folders.filter((f) => !existsSync(resolve(FUNCTIONS, f, 'index.ts')))).toEqual([]);
  });

  it('gives each function the kind it registers with functions-framework', () => {
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

describe('the push subscriptions (shared/deploy/subscriptions.ts)', () => {
  it('give each event function one, on its topic, filtered by its routes', () => {
    const config = loadConfig({});
    expect(
      pushSubscriptions(config).map((s) => [
        s.name,
        s.function,
        s.topic,
        s.filter,
        s.deadLetterTopic,
      ]),
    ).toEqual([
      [
        'manifest-events--project-stats',
        'project-stats',
        'manifest-events',
        'hasPrefix(attributes.type, "person.") OR attributes.type = "people.imported"',
        'manifest-events-dead-letter',
      ],
      [
        'manifest-events--audit-log',
        'audit-log',
        'manifest-events',
        '',
        'manifest-events-dead-letter',
      ],
      [
        'manifest-relay-tick--relay-outbox',
        'relay-outbox',
        'manifest-relay-tick',
        '',
        'manifest-events-dead-letter',
      ],
    ]);
  });
});

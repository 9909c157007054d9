import { resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { discoverFunctions } from '../../shared/local/functions';
import { logBuffer } from '../support/logs';

const FUNCTIONS = resolve(__dirname, '../../functions');
const SHARED = resolve(__dirname, '../../shared');

describe('the entry of every function', () => {
  it.each(discoverFunctions(FUNCTIONS))(
    '%s begins its cold start when its module loads, before any request',
    async (name) => {
      await jest.isolateModulesAsync(async () => {
        // A registry of its own: a fresh instance, whose cold start nothing has begun yet.
        const logging: typeof import('../../shared/logging') = await import(
          resolve(SHARED, 'logging')
        );
        logging.setLogSink(logBuffer);
        const instance: typeof import('../../shared/runtime/instance') = await import(
          resolve(SHARED, 'runtime/instance')
        );
        await import(resolve(FUNCTIONS, name));
        await nextTurn();
        expect(instance.isInstanceReady()).toBe(true);
      });
    },
  );
});

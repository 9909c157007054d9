import {
  packageOf,
  phaseTimes,
  type CpuProfile,
  type FrameOwner,
  type ProfileNode,
} from '../../bench/lib/cpu-profile';

const frame = (id: number, functionName: string, url = '', children?: number[]): ProfileNode => ({
  id,
  callFrame: { functionName, url, lineNumber: 0, columnNumber: 0 },
  ...(children ? { children } : {}),
});

// A cold start made by hand: express loading (partly inside Node's loader), the HTTP server's
// module body at load, a collection, then a request reaching pg and waiting on it.
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 3, 4, 6, 8, 10]),
    frame(2, '(program)'),
    frame(3, '(garbage collector)'),
    frame(4, 'createApplication', 'file:///app/node_modules/express/lib/express.js', [5]),
    frame(5, 'compileFunctionForCJSLoader', 'node:internal/modules/cjs/loader'),
    frame(6, 'parserOnIncoming', 'node:_http_server', [7]),
    frame(7, 'query', 'file:///app/node_modules/pg/lib/client.js'),
    frame(8, '', 'node:_http_server'),
    frame(10, '(idle)'),
  ],
  startTime: 0,
  endTime: 20000,
  samples: [4, 5, 8, 3, 2, 6, 7, 10, 7, 4],
  // µs: the samples fall at 100, 1100, 3100, 4100, 5100, 6100, 7100, 11100, 12100, 15100.
  timeDeltas: [100, 1000, 2000, 1000, 1000, 1000, 1000, 4000, 1000, 3000],
};

const byPackage: FrameOwner = (callFrame) =>
  callFrame.url.startsWith('file:') ? packageOf(callFrame.url) : undefined;

describe('phaseTimes', () => {
  it('splits at the first request, gives Node frames to their caller and stops at the answer', () => {
    const times = phaseTimes(profile, byPackage, 14100);
    expect(times).toEqual(
      new Map([
        [
          'load',
          new Map([
            ['express', 3],
            ['total', 6],
            ['node', 1],
            ['(garbage collector)', 1],
            ['(program)', 1],
          ]),
        ],
        [
          'first request',
          new Map([
            ['node', 1],
            ['total', 8],
            ['pg', 6],
            ['(idle)', 1],
          ]),
        ],
      ]),
    );
  });

  it('is all load when the answer came before any request was served', () => {
    const times = phaseTimes(profile, byPackage, 6100);
    expect([...times.keys()]).toEqual(['load']);
    expect(times.get('load')!.get('total')).toBe(6);
  });
});

describe('packageOf', () => {
  it('names the innermost package, scoped or not', () => {
    expect(packageOf('/app/node_modules/@google-cloud/functions-framework/build/src/main.js')).toBe(
      '@google-cloud/functions-framework',
    );
    expect(packageOf('/app/node_modules/express/node_modules/debug/src/node.js')).toBe('debug');
    expect(packageOf('/app/shared/http/app.ts')).toBeUndefined();
  });
});

// The benchmark's CPU per request (bench/lib/served-load.ts) is the measured server's own: read
// from that process's /proc entry over the counted seconds, not the benchmark's or the load
// generator's. A server here spends at least 2 ms of its CPU on every answer.
import { servedLoad } from '../../bench/lib/served-load';
import { freePort, startChild, type Child } from '../support/processes';

const SPIN_MS = 2;
const SERVER = `
const { createServer } = require('node:http');
createServer((req, res) => {
  const start = process.cpuUsage();
  for (;;) {
    const spent = process.cpuUsage(start);
    if (spent.user + spent.system >= ${SPIN_MS * 1000}) break;
  }
  res.end('ok');
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
`;

describe("a measured run's CPU per request", () => {
  let server: Child;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    server = startChild(process.execPath, ['-e', SERVER], { PORT: String(port) });
    await server.waitFor(/listening/);
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(() => server.stop());

  it(`is the server's: at least the ${SPIN_MS} ms of its CPU each answer spins`, async () => {
    const run = await servedLoad(server.pid, { url, seconds: 1, connections: 2, fromSource: true });
    expect(run.total).toBeGreaterThan(0);
    // This process and the load generator's spend far less per request than the server spins.
    expect(run.cpuUsPerRequest).toBeGreaterThanOrEqual(SPIN_MS * 1000);
  }, 30000);
});

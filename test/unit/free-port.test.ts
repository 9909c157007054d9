import { createServer } from 'node:net';
import { ephemeralPortRange, freePort, LOWEST_PICKED_PORT } from '../../scripts/free-port';

describe('freePort', () => {
  it('picks under the kernel ephemeral range, where no outgoing connection takes a port', async () => {
    const [low, high] = ephemeralPortRange();
    expect(low).toBeLessThan(high);
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(LOWEST_PICKED_PORT);
      expect(port).toBeLessThan(low);
    }
  });

  it('gives a port a server can then listen on, on every address', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, done);
    });
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise((done) => server.close(done));
  });

  it('passes over a port something already listens on, on loopback only', async () => {
    const [low] = ephemeralPortRange();
    const takenPort = await freePort();
    const freeAfter = await freePort();
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(takenPort, '127.0.0.1', done));
    // Its first pick is the taken port, its second one found free just before.
    const pickOf = (port: number) => (port - LOWEST_PICKED_PORT + 0.5) / (low - LOWEST_PICKED_PORT);
    const random = jest
      .spyOn(Math, 'random')
      .mockReturnValueOnce(pickOf(takenPort))
      .mockReturnValueOnce(pickOf(freeAfter));
    try {
      expect(await freePort()).toBe(freeAfter);
      expect(random).toHaveBeenCalledTimes(2);
    } finally {
      random.mockRestore();
      await new Promise((done) => taken.close(done));
    }
  });
});

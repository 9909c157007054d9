import { fastPathWindowMs } from '../../shared/events/fast-path';
import { NoPubSubPublisher, usePublisher } from '../../shared/events/publisher';
import { resetInstance } from '../../shared/runtime/testing';
import { RecordingPublisher } from '../support/events';

describe("the fast path's window, which outbox writers pass to each new row", () => {
  const saved = { ...process.env };

  beforeEach(async () => {
    process.env.OUTBOX_FAST_PATH_MS = '4321';
    await resetInstance();
  });
  afterEach(async () => {
    process.env = saved;
    await resetInstance();
  });

  it('is OUTBOX_FAST_PATH_MS when this process can publish after commit', () => {
    usePublisher(new RecordingPublisher());
    expect(fastPathWindowMs()).toBe(4321);
  });

  it('is none when nothing here can publish, so the relay of another process takes the row at once', () => {
    usePublisher(new NoPubSubPublisher());
    expect(fastPathWindowMs()).toBe(0);
  });
});

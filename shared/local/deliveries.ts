import { observeDeliveries, type DeliveryReport } from '../events/consumer';

/** What one consumer did with one event, over every delivery of it. */
export interface ConsumerDeliveries {
  consumer: string;
  /** Deliveries of the event to this consumer, counting retries and duplicates. */
  attempts: number;
  /** The last delivery's outcome. */
  outcome: DeliveryReport['outcome'];
  /** The last delivery's handling time. */
  latencyMs: number;
  /** When the last delivery arrived. */
  at: Date;
}

/**
 * The local stack's record of deliveries, by event id, for the console: every delivery its
 * consumers handle, whether the in-process bus or the emulator pushed it (both push through
 * the gateway to the consumers in this process). Keeps the most recent `capacity` events.
 */
export class DeliveryLog {
  private readonly byEvent = new Map<string, Map<string, ConsumerDeliveries>>();
  private readonly stop: () => void;

  constructor(private readonly capacity = 500) {
    this.stop = observeDeliveries((report) => this.record(report));
  }

  /** Adds one delivery. */
  record(report: DeliveryReport): void {
    if (!report.eventId) return;
    let consumers = this.byEvent.get(report.eventId);
    if (!consumers) {
      consumers = new Map();
      this.byEvent.set(report.eventId, consumers);
      if (this.byEvent.size > this.capacity) this.byEvent.delete(this.byEvent.keys().next().value!);
    }
    const before = consumers.get(report.consumer);
    consumers.set(report.consumer, {
      consumer: report.consumer,
      attempts: (before?.attempts ?? 0) + 1,
      outcome: report.outcome,
      latencyMs: report.latencyMs,
      at: report.at,
    });
  }

  /** What each consumer did with an event so far, by consumer name. */
  of(eventId: string): ReadonlyMap<string, ConsumerDeliveries> {
    return this.byEvent.get(eventId) ?? new Map();
  }

  /** Stops recording. */
  close(): void {
    this.stop();
  }
}

import { InternalError, UnavailableError } from '../domain/errors';
import type { EventPublisher, OutgoingEvent } from './event-publisher';

/**
 * A broker in memory for relay tests: it keeps what it acknowledged, in order, and can be made unreachable,
 * made to refuse given events, or made to hold a publish until the test lets it go.
 */
export class FakeEventPublisher implements EventPublisher {
  /** Every acknowledged event, in acknowledgement order. */
  readonly delivered: OutgoingEvent[] = [];
  /** Every publish call, with the event ids it carried (acknowledged or not). */
  readonly attempts: string[][] = [];
  connectAttempts = 0;
  connected = false;
  /** While true, publish fails with UnavailableError (the broker went away after the producer connected). */
  down = false;
  /** While true, connect fails with UnavailableError (the broker is not there at start). */
  unreachable = false;
  /** Events with these ids make the whole publish fail with a non-retryable error. */
  readonly refuse = new Set<string>();
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  async connect(): Promise<void> {
    this.connectAttempts++;
    if (this.unreachable) throw new UnavailableError('fake broker down');
    this.connected = true;
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    this.attempts.push(events.map((e) => e.eventId));
    if (this.gate) await this.gate;
    if (this.down) throw new UnavailableError('fake broker down');
    const refused = events.find((e) => this.refuse.has(e.eventId));
    if (refused)
      throw new InternalError('fake broker refuses event', { details: { eventId: refused.eventId } });
    this.delivered.push(...events);
  }

  async disconnect(): Promise<void> {
    this.connected = false;
  }

  /** Holds every publish until `release()`. */
  hold(): void {
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
    this.openGate = undefined;
  }
}

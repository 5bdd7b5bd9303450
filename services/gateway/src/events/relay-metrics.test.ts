import { Registry } from 'prom-client';
import { registerOutboxRelayMetrics } from './relay-metrics';

describe('registerOutboxRelayMetrics', () => {
  it('counts published, failed and parked events and reports the outbox lag in seconds', async () => {
    const registry = new Registry();
    const metrics = registerOutboxRelayMetrics(registry, {
      relayLagMs: () => 1_500,
      oldestUnpublishedAt: async () => new Date(Date.now() - 60_000),
    });
    metrics.published('inspection.completed', 3);
    metrics.published('inspection.completed', 2);
    metrics.failed('unavailable');
    metrics.parked(1);

    const text = await registry.metrics();
    expect(text).toContain('gateway_events_published_total{topic="inspection.completed"} 5');
    expect(text).toContain('gateway_events_publish_failures_total{kind="unavailable"} 1');
    expect(text).toContain('gateway_events_parked_total 1');
    const lagSeconds = Number(/^gateway_outbox_lag_seconds (\S+)$/m.exec(text)?.[1]);
    expect(lagSeconds).toBeGreaterThanOrEqual(60);
    expect(lagSeconds).toBeLessThan(70);
  });
});

import pino from 'pino';
import { GatewayMetrics } from '../monitoring/gateway-metrics';
import type { FieldAccuracyReport, VersionAccuracy } from './field-accuracy';
import { FieldAccuracyGauges } from './field-accuracy-gauges';

const version = (v: Partial<VersionAccuracy>): VersionAccuracy => ({
  version: '1',
  decisions: 100,
  decisionCounts: { pass: 90, review: 5, fail: 5 },
  labelled: 0,
  good: 0,
  defects: 0,
  accuracy: null,
  escapeRate: null,
  falseRejectRate: null,
  reviewOrFailRate: null,
  ...v,
});

describe('FieldAccuracyGauges', () => {
  it('exports the routed models’ figures over the window, and keeps them when a refresh fails', async () => {
    const asked: Array<{ model: string; from?: string }> = [];
    let failing = false;
    const accuracy = {
      report: (model: string, window: { from?: string }): Promise<FieldAccuracyReport> => {
        asked.push({ model, ...window });
        if (failing) return Promise.reject(new Error('database is down'));
        return Promise.resolve({
          model,
          from: window.from ?? null,
          to: null,
          versions:
            model === 'tiles'
              ? [
                  version({ version: '5', good: 40, defects: 10, escapeRate: 0.1, falseRejectRate: 0.025 }),
                  version({ version: '4', good: 3, defects: 0, falseRejectRate: 0 }),
                ]
              : [],
        });
      },
    };
    const gauges = new FieldAccuracyGauges({
      accuracy,
      reviews: { openCount: (model: string) => Promise.resolve(model === 'tiles' ? 3 : 0) },
      models: () => ['tiles', 'cells', 'tiles'],
      windowDays: 30,
      refreshSeconds: 60,
      log: pino({ level: 'silent' }),
      now: () => Date.parse('2026-11-27T12:00:00Z'),
    });
    const metrics = new GatewayMetrics(undefined, gauges);
    expect(await metrics.registry.metrics()).not.toMatch(/^gateway_field_escape_rate\{/m);

    await gauges.refresh();
    expect(asked).toEqual([
      { model: 'tiles', from: '2026-10-28T12:00:00.000Z' },
      { model: 'cells', from: '2026-10-28T12:00:00.000Z' },
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('gateway_field_escape_rate{model="tiles",version="5"} 0.1');
    expect(text).not.toContain('gateway_field_escape_rate{model="tiles",version="4"}'); // no labelled defect
    expect(text).toContain('gateway_field_false_reject_rate{model="tiles",version="4"} 0');
    expect(text).toContain('gateway_field_labelled{model="tiles",version="5",kind="defect"} 10');
    expect(text).toContain('gateway_field_labelled{model="tiles",version="5",kind="good"} 40');
    expect(text).toContain('gateway_reviews_open{model="tiles"} 3');
    expect(text).toContain('gateway_reviews_open{model="cells"} 0');

    failing = true;
    await gauges.refresh();
    expect(await metrics.registry.metrics()).toContain(
      'gateway_field_escape_rate{model="tiles",version="5"} 0.1',
    );
  });
});

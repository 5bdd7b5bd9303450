// The alerting rules and the dashboard, checked with Prometheus' own promtool (Debian's package, installed by
// infra/prometheus/promtool.sh when missing) and against the metrics the gateway and model-server really export.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { registerOutboxRelayMetrics } from '../../services/gateway/src/events/relay-metrics';
import { GatewayMetrics } from '../../services/gateway/src/monitoring/gateway-metrics';
import { PrometheusMetrics } from '../../services/model-server/src/stats/prometheus-metrics';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const PROM = path.join(ROOT, 'infra/prometheus');
let promtool: string;

beforeAll(async () => {
  const { stdout } = await run('bash', [path.join(PROM, 'promtool.sh')], { timeout: 600_000 });
  promtool = stdout.trim().split('\n').pop()!;
}, 600_000);

async function promtoolRun(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(promtool, args, { cwd: PROM });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('Prometheus configuration', () => {
  it('prometheus.yml and the rule file it loads are valid', async () => {
    const { code, out } = await promtoolRun(['check', 'config', 'prometheus.yml']);
    expect(out).toContain('SUCCESS');
    expect(code).toBe(0);
  });

  it('every alert passes its unit tests against synthetic series', async () => {
    const { code, out } = await promtoolRun(['test', 'rules', 'alerts.test.yml']);
    expect(out).not.toContain('FAILED');
    expect(code).toBe(0);
  });

  it('promtool refuses a malformed rule (the checks above can fail)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rules-'));
    try {
      const bad = path.join(dir, 'bad.yml');
      await writeFile(
        bad,
        'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: rate(up[5m]\n',
      );
      const { code, out } = await promtoolRun(['check', 'rules', bad]);
      expect(code).not.toBe(0);
      expect(out).toMatch(/unclosed|parse error/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Every series name the gateway and model-server expose, histogram/summary suffixes included. */
async function exportedNames(): Promise<Set<string>> {
  const gateway = new GatewayMetrics();
  registerOutboxRelayMetrics(gateway.registry);
  const server = new PrometheusMetrics(() => []);
  const names = new Set<string>(['up']);
  for (const registry of [gateway.registry, server.registry] as Registry[]) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) names.add(metric.name + s);
    }
  }
  return names;
}

/** Metric names in PromQL text: the project's prefixes, plus `up`. */
function referencedNames(text: string): Set<string> {
  return new Set(text.match(/\b(?:gateway|nv)_[a-z0-9_]+\b|\bup\b/g) ?? []);
}

describe('rules and dashboard refer only to exported metrics', () => {
  it.each([
    ['infra/prometheus/alerts.yml', (t: string) => t],
    [
      'infra/grafana/gateway-dashboard.json',
      (t: string) => {
        const dash = JSON.parse(t) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
        return dash.panels.flatMap((p) => (p.targets ?? []).map((x) => x.expr)).join('\n');
      },
    ],
  ])('%s', async (file, exprs) => {
    const text = exprs(await readFile(path.join(ROOT, file), 'utf8'));
    const referenced = referencedNames(text);
    expect(referenced.size).toBeGreaterThan(3);
    const exported = await exportedNames();
    const unknown = [...referenced].filter((n) => !exported.has(n)).sort();
    expect(unknown).toEqual([]);
  });
});

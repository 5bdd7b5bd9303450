// The Kubernetes manifests in infra/k8s agree with the gateway they deploy: the settings load with the gateway's own
// config validation and are documented, the probes and ports are the ones it serves, and the gateway reaches Triton
// through the Service the manifests define.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../services/gateway/src/config';
import { openApiDocument } from '../../services/gateway/src/http/openapi';

const DIR = path.resolve(__dirname, '../../infra/k8s');
const README = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

interface Resource {
  apiVersion: string;
  kind: string;
  metadata?: { name: string; namespace?: string };
  [key: string]: unknown;
}

interface Container {
  ports: Array<{ name: string; containerPort: number }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  resources: { limits?: Record<string, unknown> };
}

function load(file: string): Resource[] {
  return parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as Resource;
  });
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
const all = files.flatMap((file) => load(file).map((r) => ({ file, r })));
const find = (kind: string, name?: string): Resource => {
  const hit = all.find(({ r }) => r.kind === kind && (name === undefined || r.metadata?.name === name));
  if (!hit) throw new Error(`no ${kind} ${name ?? ''}`);
  return hit.r;
};
const containerOf = (d: Resource): Container =>
  (d as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec
    .containers[0]!;
const dataOf = (r: Resource): Record<string, string> =>
  ((r as { data?: Record<string, string>; stringData?: Record<string, string> }).data ??
    (r as { stringData?: Record<string, string> }).stringData)!;

describe('infra/k8s', () => {
  it('lists every manifest but the secret template in its kustomization, all in one namespace', () => {
    const kustomization = find('Kustomization') as unknown as { namespace: string; resources: string[] };
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((f) => f !== 'kustomization.yaml' && !f.includes('.example.')).sort(),
    );
    for (const { file, r } of all) {
      if (r.kind === 'Kustomization' || r.kind === 'Namespace') continue;
      expect({ file, kind: r.kind, namespace: r.metadata?.namespace }).toEqual({
        file,
        kind: r.kind,
        namespace: kustomization.namespace,
      });
    }
  });

  it('gives the gateway settings its own validation accepts, every one documented in the README', () => {
    const config = dataOf(find('ConfigMap', 'gateway-config'));
    const secret = dataOf(find('Secret', 'gateway-secrets'));
    const gateway = containerOf(find('Deployment', 'gateway'));
    expect(gateway.envFrom).toEqual([
      { configMapRef: { name: 'gateway-config' } },
      { secretRef: { name: 'gateway-secrets' } },
    ]);
    const loaded = loadConfig({ ...config, ...secret });
    expect(loaded.production).toBe(true);
    expect(loaded.apiKeys.map((k) => k.role).sort()).toEqual(['auditor', 'mlops', 'station']);
    const documented = (name: string) => new RegExp('`[^`]*\\b' + name + '\\b').test(README);
    expect([...Object.keys(config), ...Object.keys(secret)].filter((n) => !documented(n))).toEqual([]);
    expect(gateway.ports).toEqual([{ name: 'http', containerPort: loaded.port }]);
  });

  it('probes paths the gateway serves without a key, and reaches Triton through its Service', () => {
    const gateway = containerOf(find('Deployment', 'gateway'));
    const paths = Object.keys((openApiDocument() as { paths: Record<string, unknown> }).paths);
    expect(gateway.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(gateway.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(paths).toEqual(expect.arrayContaining(['/readyz', '/healthz', '/metrics']));

    const tritonUrl = dataOf(find('ConfigMap', 'gateway-config')).TRITON_URL!;
    const [host, port] = tritonUrl.split(':');
    const service = find('Service', host) as unknown as {
      spec: { ports: Array<{ name: string; port: number; targetPort: string }> };
    };
    expect(service.spec.ports.find((p) => p.name === 'grpc')?.port).toBe(Number(port));
    const triton = containerOf(find('Deployment', 'triton'));
    expect(triton.ports.find((p) => p.name === 'grpc')?.containerPort).toBe(8001);
    expect(triton.resources.limits?.['nvidia.com/gpu']).toBe(1);
  });
});

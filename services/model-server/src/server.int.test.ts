import { createInferenceClient, type ModelInferRequest__Input } from '@defect-gateway/proto';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import pino from 'pino';
import { ModelServer } from './server';

const REPO = path.resolve(__dirname, '../../../tests/fixtures/model_repository');
const BROKEN = path.resolve(__dirname, '../../../tests/fixtures/broken_repository');
const BIN = path.resolve(__dirname, '../bin/model-server.js');
const silent = pino({ level: 'silent' });

function simpleRequest(): ModelInferRequest__Input {
  const data = Buffer.alloc(64);
  for (let i = 0; i < 16; i++) data.writeFloatLE(i, i * 4);
  return {
    model_name: 'simple',
    inputs: [
      { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
      { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
    ],
    raw_input_contents: [data, data],
  };
}

function infer(address: string, request: ModelInferRequest__Input, timeoutMs = 10_000): Promise<unknown> {
  const client = createInferenceClient(address);
  return new Promise((resolve, reject) => {
    client.ModelInfer(request, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}

/** An in-process server on free ports with one model loaded. */
function startWith(model: string): Promise<ModelServer> {
  return ModelServer.start({
    modelRepository: REPO,
    grpcAddress: '127.0.0.1',
    grpcPort: 0,
    metricsPort: 0,
    controlMode: 'explicit',
    loadModels: [model],
    exitOnError: true,
    exitTimeoutSeconds: 5,
    log: silent,
  });
}

describe('model-server process', () => {
  it('exports Triton-named Prometheus metrics that count inferences', async () => {
    const server = await startWith('simple');
    try {
      for (let i = 0; i < 3; i++) await infer(`127.0.0.1:${server.grpcPort}`, simpleRequest());
      const body = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      expect(body).toMatch(/^nv_inference_request_success\{model="simple",version="1"\} 3$/m);
      expect(body).toMatch(/^nv_inference_count\{model="simple",version="1"\} 3$/m);
      expect(body).toMatch(/^nv_inference_exec_count\{model="simple",version="1"\} \d+$/m);
      expect(body).toMatch(/^nv_inference_request_duration_us\{model="simple",version="1"\} \d+/m);
      expect(body).toMatch(/^nv_inference_queue_duration_us\{model="simple",version="1"\} \d+/m);
      expect(body).toContain('nv_inference_pending_request_count');
    } finally {
      await server.stop();
    }
  });

  it('drops a queued request whose deadline passes: it never runs (Triton request cancellation)', async () => {
    const server = await startWith('queue_limited');
    const metric = async (name: string): Promise<number> => {
      const body = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      // A counter never incremented is not exported: 0.
      const m = new RegExp(`^${name}\\{model="queue_limited",version="1"[^}]*\\} (\\d+)$`, 'm').exec(body);
      return m ? Number(m[1]) : 0;
    };
    try {
      const address = `127.0.0.1:${server.grpcPort}`;
      const request = { ...simpleRequest(), model_name: 'queue_limited' };
      // queue_limited holds a lone request up to 200 ms for company; the call's deadline passes after 40 ms.
      await expect(infer(address, request, 40)).rejects.toMatchObject({ code: 4 }); // DEADLINE_EXCEEDED
      await new Promise((r) => setTimeout(r, 300));
      expect(await metric('nv_inference_exec_count')).toBe(0);
      expect(await metric('nv_inference_request_failure')).toBe(1);
      const body = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      expect(body).toMatch(
        /^nv_inference_request_failure\{model="queue_limited",version="1",reason="CANCELED"\} 1$/m,
      );
      await expect(infer(address, request)).resolves.toMatchObject({ model_name: 'queue_limited' });
      expect(await metric('nv_inference_exec_count')).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('refuses to start in mode none when a model fails and --exit-on-error is true', async () => {
    await expect(
      ModelServer.start({
        modelRepository: BROKEN,
        grpcAddress: '127.0.0.1',
        grpcPort: 0,
        metricsPort: undefined,
        controlMode: 'none',
        loadModels: [],
        exitOnError: true,
        exitTimeoutSeconds: 5,
        log: silent,
      }),
    ).rejects.toThrow(/failed to load all models: bad_config, bad_onnx, no_versions/);
  });

  it('on SIGTERM finishes the in-flight request and exits 0', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--model-repository',
        REPO,
        '--model-control-mode=explicit',
        '--load-model',
        'queue_limited',
        '--grpc-address',
        '127.0.0.1',
        '--grpc-port',
        '0',
        '--allow-metrics=false',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /"grpcPort":(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // queue_limited waits up to 200 ms for a batch, so this request is still in flight when SIGTERM arrives.
    const request = infer(`127.0.0.1:${port}`, { ...simpleRequest(), model_name: 'queue_limited' });
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await expect(request).resolves.toMatchObject({ model_name: 'queue_limited', model_version: '1' });
    expect(await exited).toBe(0);
  });
});

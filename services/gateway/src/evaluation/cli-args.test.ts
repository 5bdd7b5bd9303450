import * as path from 'node:path';
import { UsageError } from './cli-options';
import { parseEvaluateArgs } from './evaluate-cli';
import { parseEvaluateGatewayArgs } from './evaluate-gateway-cli';

describe('npm run evaluate arguments', () => {
  it('fills the defaults: the trained repository, 2 requests of 16 items in flight, a report under .tmp', () => {
    const o = parseEvaluateArgs(['--model', 'visual_ensemble', '--data', 'd/magnetic_tile']);
    expect(o).toMatchObject({
      model: 'visual_ensemble',
      data: path.resolve('d/magnetic_tile'),
      concurrency: 2,
      batch: 16,
    });
    expect(o.repository).toMatch(/triton-model-repo$/);
    expect(o.url).toBeUndefined();
    expect(o.limit).toBeUndefined();
    expect(o.out).toMatch(/\.tmp\/evaluation\/evaluate-visual_ensemble-magnetic_tile\.json$/);
  });

  it('reads --url, --limit, --batch, --concurrency and --out', () => {
    const o = parseEvaluateArgs(
      [
        '--model',
        'm',
        '--data',
        'd',
        '--url',
        'grpc://h:8001',
        '--limit',
        '50',
        '--batch',
        '4',
        '--concurrency',
        '3',
      ].concat(['--out', 'r.json']),
    );
    expect(o).toMatchObject({ url: 'h:8001', limit: 50, batch: 4, concurrency: 3, out: 'r.json' });
  });

  it('refuses missing, unknown and malformed options with a usage error', () => {
    expect(() => parseEvaluateArgs(['--data', 'd'])).toThrow(new UsageError('--model is required'));
    expect(() => parseEvaluateArgs(['--model', 'm', '--data', 'd', '--limit', '0'])).toThrow(
      /--limit must be a positive integer/,
    );
    expect(() => parseEvaluateArgs(['--model', 'm', '--data', 'd', '--bogus'])).toThrow(UsageError);
    expect(() =>
      parseEvaluateArgs(['--model', 'm', '--data', 'd', '--url', 'h:1', '--repository', 'r']),
    ).toThrow(/exclude/);
  });
});

describe('npm run evaluate:gateway arguments', () => {
  it('defaults to the local gateway and takes the API key from GATEWAY_API_KEY', () => {
    const o = parseEvaluateGatewayArgs(['--data', 'd', '--modality', 'thermal'], {
      GATEWAY_API_KEY: 'k'.repeat(20),
    });
    expect(o).toMatchObject({
      url: 'http://localhost:8080',
      modality: 'thermal',
      apiKey: 'k'.repeat(20),
      concurrency: 8,
    });
    expect(o.measurements).toBe('object');
  });

  it('reads the optional settings', () => {
    const o = parseEvaluateGatewayArgs(
      ['--data', 'd', '--modality', 'electrical', '--measurements', 'array', '--good-class', 'pass'].concat([
        '--triton',
        'h:1',
        '--model',
        'm',
        '--api-key',
        'key',
        '--limit',
        '9',
      ]),
      {},
    );
    expect(o).toMatchObject({
      measurements: 'array',
      goodClass: 'pass',
      triton: 'h:1',
      model: 'm',
      apiKey: 'key',
      limit: 9,
    });
  });

  it('refuses an unknown modality or measurement form', () => {
    expect(() => parseEvaluateGatewayArgs(['--data', 'd', '--modality', 'sonar'], {})).toThrow(
      /--modality must be one of/,
    );
    expect(() =>
      parseEvaluateGatewayArgs(['--data', 'd', '--modality', 'visual', '--measurements', 'csv'], {}),
    ).toThrow(UsageError);
  });
});

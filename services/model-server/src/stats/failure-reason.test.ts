import { CancelledError, InputError, InternalError, UnavailableError, withMessage } from '../errors';
import { ModelStats, failureReason } from './model-stats';
import { PrometheusMetrics } from './prometheus-metrics';

describe('failureReason', () => {
  it("maps the server's errors to Triton's failure reasons", () => {
    expect(failureReason(new CancelledError('cancelled'))).toBe('CANCELED');
    expect(failureReason(new UnavailableError('Exceeds maximum queue size'))).toBe('REJECTED');
    expect(failureReason(new InternalError('onnx runtime error'))).toBe('BACKEND');
    expect(failureReason(new InputError('unexpected shape'))).toBe('OTHER');
    expect(failureReason(new Error('anything else'))).toBe('OTHER');
  });

  it('sees through the messages an ensemble wraps its step errors in', () => {
    const wrapped = withMessage(new CancelledError('cancelled'), "in ensemble 'e', cancelled");
    expect(failureReason(wrapped)).toBe('CANCELED');
  });
});

describe('nv_inference_request_failure', () => {
  it('carries the reason label of each failed request', async () => {
    const metrics = new PrometheusMetrics(() => []);
    const stats = new ModelStats('m', '1', metrics);
    stats.recordRequest(false, 1000n, 0n, 1, 'REJECTED');
    stats.recordRequest(false, 1000n, 0n, 1, 'REJECTED');
    stats.recordRequest(false, 1000n, 0n, 1, 'CANCELED');
    stats.recordRequest(true, 1000n, 0n, 1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^nv_inference_request_failure\{model="m",version="1",reason="REJECTED"\} 2$/m);
    expect(text).toMatch(/^nv_inference_request_failure\{model="m",version="1",reason="CANCELED"\} 1$/m);
    expect(text).not.toMatch(/reason="OTHER"/);
    expect(stats.fail.count).toBe(3);
    expect(stats.success.count).toBe(1);
  });
});

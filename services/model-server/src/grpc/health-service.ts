import type { HealthHandlers } from '@defect-gateway/proto';
import type { ServiceState } from './inference-service';

/** grpc.health.v1: SERVING while the server accepts work, NOT_SERVING once shutdown has begun. */
export function healthHandlers(state: ServiceState): HealthHandlers {
  const status = () => (state.accepting() ? 'SERVING' : 'NOT_SERVING');
  return {
    Check: (_call, callback) => callback(null, { status: status() }),
    Watch: (call) => {
      call.write({ status: status() });
      const timer = setInterval(() => {
        if (!state.accepting()) {
          call.write({ status: 'NOT_SERVING' });
          clearInterval(timer);
          call.end();
        }
      }, 1000);
      timer.unref();
      call.on('cancelled', () => clearInterval(timer));
    },
  };
}

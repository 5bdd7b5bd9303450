import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { startGateway } from './server';

/** Process entry point: validated config, start, and an ordered shutdown on SIGTERM / SIGINT. */
export function main(): void {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ name: 'gateway', level: config.logLevel });
  startGateway(config, log).then(
    (gateway) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'received signal');
        gateway.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (err: unknown) => {
      log.fatal({ err }, 'gateway failed to start');
      process.exit(1);
    },
  );
}

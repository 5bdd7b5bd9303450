import type { CutOptions } from './tcp-cut-proxy';

export interface KafkaProxyOptions {
  /** Bootstrap address(es) of the cluster behind the proxy, host:port. */
  upstream: string[] | string;
  host?: string;
  /** Bootstrap listener port (0 = any); broker listeners take port+1, port+2, … (or any when 0). */
  port?: number;
  advertisedHost?: string;
  log?: (message: string) => void;
}

export class KafkaProxy {
  constructor(options: KafkaProxyOptions);
  /** host:port clients bootstrap from. */
  readonly bootstrap: string;
  readonly stats: { metadataRewritten: number; controllerCorrected: number; coordinatorRewritten: number };
  start(): Promise<this>;
  cut(options?: CutOptions): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export function startKafkaProxy(options: KafkaProxyOptions): Promise<KafkaProxy>;
export function parseAddress(hostPort: string): { host: string; port: number };

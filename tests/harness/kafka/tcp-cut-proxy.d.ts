import type { Socket } from 'node:net';

export interface Address {
  host: string;
  port: number;
}

export interface ConnectionHandle {
  close(): void;
  quiesce?(timeoutMs: number): Promise<void>;
}

export interface CutOptions {
  /** 'refuse': stop listening (ECONNREFUSED); 'reset': accept and reset at once. Default 'refuse'. */
  newConnections?: 'refuse' | 'reset';
  /** Let exchanges in flight finish before cutting (protocol-aware connections only). */
  atRequestBoundary?: boolean;
  quiesceTimeoutMs?: number;
}

export class TcpCutProxy {
  constructor(options: {
    target: Address | (() => Address);
    host?: string;
    port?: number;
    onConnection?: (client: Socket, upstream: Socket) => ConnectionHandle;
  });
  readonly port: number;
  readonly address: string;
  readonly openConnections: number;
  readonly accepted: number;
  start(): Promise<Address>;
  cut(options?: CutOptions): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export function abort(socket: Socket): void;

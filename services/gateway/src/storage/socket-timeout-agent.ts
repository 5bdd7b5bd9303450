import http from 'node:http';
import https from 'node:https';
import { Socket } from 'node:net';

/** The error a socket is destroyed with when it has been silent for too long. */
export class SocketTimeoutError extends Error {
  readonly code = 'ESOCKETTIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`No bytes sent or received for ${timeoutMs} ms (connect or response stalled).`);
    this.name = 'SocketTimeoutError';
  }
}

/**
 * A keep-alive agent whose sockets are destroyed after `socketTimeoutMs` without traffic, covering connect,
 * request upload and response download. Node only emits 'timeout' on a stalled socket and leaves it open, so a
 * server that accepts and never answers would otherwise hang the request forever. Destroying the socket makes
 * the pending request (or the response stream being read) fail with `SocketTimeoutError`.
 */
export function socketTimeoutAgent(protocol: 'http:' | 'https:', socketTimeoutMs: number): http.Agent {
  // `timeout` makes the agent arm every socket's idle timer, keep it armed across keep-alive reuse (Node resets a
  // freed socket's timer to the agent's value) and close idle pooled sockets; the listener below handles busy ones.
  const options = { keepAlive: true, timeout: socketTimeoutMs };
  const agent = protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const stream = createConnection(options, callback);
    if (stream instanceof Socket) {
      stream.on('timeout', () => {
        stream.destroy(new SocketTimeoutError(socketTimeoutMs));
      });
    }
    return stream;
  };
  return agent;
}

'use strict';
// A TCP forwarder a test controls: `cut()` drops every open connection and refuses (or resets) new ones,
// `restore()` accepts again on the same port. It is the network fault in fault tests: the process behind it
// keeps running, the client sees exactly what a pulled cable or a dead host looks like.
//
// By default bytes are piped both ways unchanged. A protocol-aware caller (kafka-proxy.js) passes
// `onConnection(client, upstream)` and returns a handle with `close()` and, optionally, `quiesce()` (finish the
// exchanges already in flight, forward nothing new) so a cut can fall between requests.

const net = require('node:net');

/**
 * @typedef {{ host: string, port: number }} Address
 * @typedef {{ close(): void, quiesce?: (timeoutMs: number) => Promise<void> }} ConnectionHandle
 */

function pipeBothWays(client, upstream) {
  client.pipe(upstream);
  upstream.pipe(client);
  return {
    close() {
      abort(client);
      abort(upstream);
    },
  };
}

/** Ends a socket abruptly (RST where Node supports it), as a network failure would. */
function abort(socket) {
  if (socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function' && socket.readyState === 'open') socket.resetAndDestroy();
  else socket.destroy();
}

class TcpCutProxy {
  /**
   * @param {{
   *   target: Address | (() => Address),
   *   host?: string,
   *   port?: number,
   *   onConnection?: (client: net.Socket, upstream: net.Socket) => ConnectionHandle,
   * }} options
   */
  constructor(options) {
    this.target = typeof options.target === 'function' ? options.target : () => options.target;
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
    this.onConnection = options.onConnection ?? pipeBothWays;
    /** @type {Set<ConnectionHandle>} */
    this.connections = new Set();
    /** 'open' | 'refuse' | 'reset' */
    this.mode = 'open';
    this.port = 0;
    this.server = net.createServer((client) => this.accept(client));
    this.server.on('error', () => undefined);
    this.closed = false;
    this.accepted = 0;
  }

  /** Starts listening; resolves with the bound address. */
  async start() {
    await this.listen(this.requestedPort);
    return { host: this.host, port: this.port };
  }

  get address() {
    return `${this.host}:${this.port}`;
  }

  get openConnections() {
    return this.connections.size;
  }

  /**
   * Drops every open connection. New connections are refused (`newConnections: 'refuse'`, the listener is
   * closed: ECONNREFUSED) or accepted and reset at once (`'reset'`). With `atRequestBoundary`, handles that
   * can quiesce first finish what is in flight (up to `quiesceTimeoutMs`), so no reply to a request the far
   * side already acted on is lost in the cut.
   */
  async cut({ newConnections = 'refuse', atRequestBoundary = false, quiesceTimeoutMs = 2000 } = {}) {
    this.mode = newConnections;
    // server.close() resolves only once every accepted socket has ended, so it is awaited last.
    const stopped = newConnections === 'refuse' ? this.stopListening() : Promise.resolve();
    const handles = [...this.connections];
    if (atRequestBoundary) {
      await Promise.all(handles.map((h) => (h.quiesce ? h.quiesce(quiesceTimeoutMs) : undefined)));
    }
    for (const h of handles) h.close();
    this.connections.clear();
    await stopped;
  }

  /** Accepts connections again, on the same port. */
  async restore() {
    if (this.closed) throw new Error('proxy is closed');
    const wasRefusing = this.mode === 'refuse';
    this.mode = 'open';
    if (wasRefusing) await this.listen(this.port);
  }

  async close() {
    this.closed = true;
    const stopped = this.stopListening();
    for (const h of this.connections) h.close();
    this.connections.clear();
    await stopped;
  }

  accept(client) {
    if (this.mode !== 'open' || this.closed) {
      abort(client);
      return;
    }
    this.accepted++;
    const { host, port } = this.target();
    const upstream = net.connect({ host, port });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const handle = this.onConnection(client, upstream);
    this.connections.add(handle);
    const done = () => {
      this.connections.delete(handle);
      handle.close();
    };
    client.on('error', done);
    upstream.on('error', done);
    client.on('close', done);
    upstream.on('close', done);
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      const onError = (err) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        this.port = this.server.address().port;
        resolve();
      });
    });
  }

  stopListening() {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }
}

module.exports = { TcpCutProxy, abort };

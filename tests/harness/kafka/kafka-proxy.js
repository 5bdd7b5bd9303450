'use strict';
// A Kafka-protocol-aware TCP proxy for the test broker (librdkafka's mock cluster, started by kcat).
//
// Why it exists. The mock cluster numbers its brokers from 1 but names controller 0 in every Metadata
// response. kafkajs's idempotent producer sends InitProducerId to "the controller" and fails with
// "Broker 0 not found". The proxy corrects that and nothing else of substance:
//   * Metadata responses (v0–v12): each broker's host/port is replaced by a proxy listener of its own (one
//     per upstream broker, so clients keep talking through the proxy), and a controller id that names no
//     listed broker is replaced by the lowest listed broker id. Against a real Kafka the controller is always
//     listed, so the rewrite is a no-op there.
//   * FindCoordinator responses (v0–v5): the coordinator's host/port is replaced the same way.
// All other requests and responses pass through unchanged, frame by frame.
//
// Every listener is a TcpCutProxy, so `cut()` / `restore()` on the whole proxy simulates a Kafka outage
// for everything behind it (fault tests). Proxies chain: a test may start one in front of another.

const {
  API_FIND_COORDINATOR,
  API_METADATA,
  Framer,
  frame,
  parseFindCoordinatorResponse,
  parseMetadataResponse,
  readRequestHeader,
  spliceAddresses,
} = require('./kafka-wire');
const { TcpCutProxy, abort } = require('./tcp-cut-proxy');

/** @param {string} hostPort */
function parseAddress(hostPort) {
  const i = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`'${hostPort}' is not host:port`);
  }
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

class KafkaProxy {
  /**
   * @param {{
   *   upstream: string[] | string,   // bootstrap address(es) of the real cluster, host:port
   *   host?: string,                 // where to listen (default 127.0.0.1)
   *   port?: number,                 // bootstrap listener port; 0 = any. Broker listeners take port+1, port+2, …
   *   advertisedHost?: string,       // host written into rewritten responses (default: host)
   *   log?: (message: string) => void,
   * }} options
   */
  constructor(options) {
    const upstream = Array.isArray(options.upstream) ? options.upstream : options.upstream.split(',');
    this.upstream = upstream
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parseAddress);
    if (this.upstream.length === 0) throw new Error('no upstream Kafka address given');
    this.host = options.host ?? '127.0.0.1';
    this.basePort = options.port ?? 0;
    this.advertisedHost = options.advertisedHost ?? this.host;
    this.log = options.log ?? (() => undefined);
    /** @type {Map<number, Promise<{ nodeId: number, upstream: {host: string, port: number}, listener: TcpCutProxy }>>} */
    this.brokers = new Map();
    this.cutOptions = undefined;
    this.stats = { metadataRewritten: 0, controllerCorrected: 0, coordinatorRewritten: 0 };
    let next = 0;
    this.bootstrapListener = new TcpCutProxy({
      target: () => this.upstream[next++ % this.upstream.length],
      host: this.host,
      port: this.basePort,
      onConnection: (client, upstreamSocket) => this.attach(client, upstreamSocket),
    });
  }

  async start() {
    await this.bootstrapListener.start();
    this.log(`kafka proxy listening on ${this.bootstrap} (upstream ${this.upstreamList})`);
    return this;
  }

  /** The address clients bootstrap from (KAFKA_BROKERS). */
  get bootstrap() {
    return `${this.advertisedHost}:${this.bootstrapListener.port}`;
  }

  get upstreamList() {
    return this.upstream.map((a) => `${a.host}:${a.port}`).join(',');
  }

  async listeners() {
    const brokers = await Promise.all(this.brokers.values());
    return [this.bootstrapListener, ...brokers.map((b) => b.listener)];
  }

  /** Cuts every connection through the proxy (see TcpCutProxy.cut for the options). */
  async cut(options = {}) {
    this.cutOptions = options;
    await Promise.all((await this.listeners()).map((l) => l.cut(options)));
  }

  async restore() {
    this.cutOptions = undefined;
    await Promise.all((await this.listeners()).map((l) => l.restore()));
  }

  async close() {
    await Promise.all((await this.listeners()).map((l) => l.close()));
  }

  /** Listener for an upstream broker, created on first sight; follows the broker if its address changes. */
  ensureBroker(nodeId, upstream) {
    let entry = this.brokers.get(nodeId);
    if (entry === undefined) {
      const index = this.brokers.size;
      entry = (async () => {
        const broker = { nodeId, upstream, listener: undefined };
        broker.listener = new TcpCutProxy({
          target: () => broker.upstream,
          host: this.host,
          port: this.basePort === 0 ? 0 : this.basePort + 1 + index,
          onConnection: (client, upstreamSocket) => this.attach(client, upstreamSocket),
        });
        await broker.listener.start();
        if (this.cutOptions !== undefined) await broker.listener.cut(this.cutOptions);
        this.log(
          `broker ${nodeId}: ${this.advertisedHost}:${broker.listener.port} -> ${upstream.host}:${upstream.port}`,
        );
        return broker;
      })();
      this.brokers.set(nodeId, entry);
    }
    return entry.then((broker) => {
      broker.upstream = upstream;
      return broker;
    });
  }

  /** Wires one client connection to its upstream socket, frame by frame. */
  attach(client, upstream) {
    /** @type {Map<number, { apiKey: number, apiVersion: number }>} */
    const pending = new Map();
    const requests = new Framer();
    const responses = new Framer();
    let chain = Promise.resolve();
    let quiescing = false;
    let drained;
    const close = () => {
      if (quiescing) {
        // A cut at a request boundary: the client has every reply it is owed; end with FIN so none is lost.
        upstream.destroy();
        client.end();
        setTimeout(() => client.destroy(), 200).unref();
        return;
      }
      abort(client);
      abort(upstream);
    };
    const checkDrained = () => {
      if (quiescing && pending.size === 0 && drained) drained();
    };

    client.on('data', (chunk) => {
      let frames;
      try {
        frames = requests.push(chunk);
      } catch (err) {
        this.log(`bad request stream: ${err.message}`);
        return close();
      }
      for (const payload of frames) {
        // While quiescing, new requests are dropped: the broker never sees them, so the client's retry after
        // the cut cannot duplicate anything.
        if (quiescing) continue;
        const header = readRequestHeader(payload);
        pending.set(header.correlationId, header);
        upstream.write(frame(payload));
      }
    });

    upstream.on('data', (chunk) => {
      let frames;
      try {
        frames = responses.push(chunk);
      } catch (err) {
        this.log(`bad response stream: ${err.message}`);
        return close();
      }
      for (const payload of frames) {
        chain = chain
          .then(() => this.rewriteResponse(payload, pending))
          .then((out) => {
            if (!client.destroyed) client.write(frame(out));
            checkDrained();
          })
          .catch((err) => {
            this.log(`response rewrite failed: ${err.stack ?? err}`);
            close();
          });
      }
    });

    return {
      close,
      quiesce: (timeoutMs) =>
        new Promise((resolve) => {
          quiescing = true;
          const timer = setTimeout(resolve, timeoutMs);
          drained = () => {
            clearTimeout(timer);
            // Resolve once the last replies have left Node's write queue.
            chain.then(() => (client.destroyed ? resolve() : client.write(Buffer.alloc(0), () => resolve())));
          };
          checkDrained();
        }),
    };
  }

  /** @param {Buffer} payload response from correlation id on */
  async rewriteResponse(payload, pending) {
    const correlationId = payload.readInt32BE(0);
    const request = pending.get(correlationId);
    pending.delete(correlationId);
    if (request === undefined) return payload;
    if (request.apiKey === API_METADATA) return this.rewriteMetadata(payload, request.apiVersion);
    if (request.apiKey === API_FIND_COORDINATOR) {
      return this.rewriteFindCoordinator(payload, request.apiVersion);
    }
    return payload;
  }

  async rewriteMetadata(payload, version) {
    const { brokers, controllerId, controllerAt } = parseMetadataResponse(payload, version);
    const replacements = [];
    for (const field of brokers) {
      const broker = await this.ensureBroker(field.nodeId, { host: field.host, port: field.port });
      replacements.push({ field, host: this.advertisedHost, port: broker.listener.port });
    }
    let controller;
    if (controllerAt !== undefined && brokers.length > 0 && !brokers.some((b) => b.nodeId === controllerId)) {
      controller = { at: controllerAt, value: Math.min(...brokers.map((b) => b.nodeId)) };
      this.stats.controllerCorrected++;
    }
    this.stats.metadataRewritten++;
    return spliceAddresses(payload, replacements, version >= 9, controller);
  }

  async rewriteFindCoordinator(payload, version) {
    const { coordinators } = parseFindCoordinatorResponse(payload, version);
    const replacements = [];
    for (const field of coordinators) {
      if (field.nodeId < 0 || field.port <= 0) continue; // error reply: no coordinator to point at
      const broker = await this.ensureBroker(field.nodeId, { host: field.host, port: field.port });
      replacements.push({ field, host: this.advertisedHost, port: broker.listener.port });
    }
    this.stats.coordinatorRewritten++;
    return spliceAddresses(payload, replacements, version >= 3, undefined);
  }
}

/** Starts a proxy and resolves once it listens. */
async function startKafkaProxy(options) {
  return new KafkaProxy(options).start();
}

module.exports = { KafkaProxy, startKafkaProxy, parseAddress };

'use strict';
// Unit test of the proxy's protocol rewriting, for every Metadata (v0–v12) and FindCoordinator (v0–v4)
// version, including the flexible ones kafkajs never sends (the integration tests cover what kafkajs uses).
// Responses are built here field by field from the protocol guide, independently of kafka-wire.js.
const {
  Reader,
  encodeUvarint,
  parseFindCoordinatorResponse,
  parseMetadataResponse,
  spliceAddresses,
} = require('./kafka-wire');

const i16 = (v) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
const i32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const str = (s, compact) => {
  if (s === null) return compact ? encodeUvarint(0) : i16(-1);
  const body = Buffer.from(s);
  return Buffer.concat([compact ? encodeUvarint(body.length + 1) : i16(body.length), body]);
};
const arr = (n, compact) => (compact ? encodeUvarint(n + 1) : i32(n));
/** A tagged-field section with one unknown field (tag 7, 3 bytes) so that skipping is exercised. */
const tags = () =>
  Buffer.concat([encodeUvarint(1), encodeUvarint(7), encodeUvarint(3), Buffer.from([1, 2, 3])]);

const BROKERS = [
  { nodeId: 1, host: '10.0.0.1', port: 9092, rack: 'r1' },
  { nodeId: 2, host: 'kafka-2.internal', port: 9093, rack: null },
];
const TOPICS = Buffer.from('topics section: copied verbatim');

function metadataResponse(version, controllerId) {
  const flexible = version >= 9;
  const parts = [i32(4242)];
  if (flexible) parts.push(tags());
  if (version >= 3) parts.push(i32(0));
  parts.push(arr(BROKERS.length, flexible));
  for (const b of BROKERS) {
    parts.push(i32(b.nodeId), str(b.host, flexible), i32(b.port));
    if (version >= 1) parts.push(str(b.rack, flexible));
    if (flexible) parts.push(tags());
  }
  if (version >= 2) parts.push(str('cluster-x', flexible));
  if (version >= 1) parts.push(i32(controllerId));
  parts.push(TOPICS);
  return Buffer.concat(parts);
}

function readMetadata(payload, version) {
  const flexible = version >= 9;
  const r = new Reader(payload, 4);
  if (flexible) r.skipTaggedFields();
  if (version >= 3) r.int32();
  const n = r.arrayLength(flexible);
  const brokers = [];
  for (let i = 0; i < n; i++) {
    const b = { nodeId: r.int32(), host: r.string(flexible), port: r.int32() };
    if (version >= 1) b.rack = r.string(flexible);
    if (flexible) r.skipTaggedFields();
    brokers.push(b);
  }
  const clusterId = version >= 2 ? r.string(flexible) : undefined;
  const controllerId = version >= 1 ? r.int32() : undefined;
  return { brokers, clusterId, controllerId, rest: payload.subarray(r.offset) };
}

function rewriteMetadata(payload, version) {
  const { brokers, controllerId, controllerAt } = parseMetadataResponse(payload, version);
  const replacements = brokers.map((field) => ({ field, host: '127.0.0.1', port: 19000 + field.nodeId }));
  const missing = controllerAt !== undefined && !brokers.some((b) => b.nodeId === controllerId);
  const controller = missing ? { at: controllerAt, value: 1 } : undefined;
  return spliceAddresses(payload, replacements, version >= 9, controller);
}

describe('Metadata response rewriting', () => {
  for (let version = 0; version <= 12; version++) {
    it(`v${version}: brokers point at the proxy, controller 0 becomes broker 1, the rest is unchanged`, () => {
      const out = readMetadata(rewriteMetadata(metadataResponse(version, 0), version), version);
      expect(out.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([
        [1, '127.0.0.1', 19001],
        [2, '127.0.0.1', 19002],
      ]);
      if (version >= 1) {
        expect(out.brokers.map((b) => b.rack)).toEqual(['r1', null]);
        expect(out.controllerId).toBe(1);
      }
      if (version >= 2) expect(out.clusterId).toBe('cluster-x');
      expect(out.rest.equals(TOPICS)).toBe(true);
    });
  }

  it('leaves a controller that is a listed broker alone', () => {
    expect(readMetadata(rewriteMetadata(metadataResponse(6, 2), 6), 6).controllerId).toBe(2);
  });
});

function findCoordinatorResponse(version) {
  const flexible = version >= 3;
  const parts = [i32(77)];
  if (flexible) parts.push(tags());
  if (version >= 1) parts.push(i32(0));
  if (version < 4) {
    parts.push(i16(0));
    if (version >= 1) parts.push(str(null, flexible));
    parts.push(i32(2), str('kafka-2.internal', flexible), i32(9093));
  } else {
    parts.push(arr(2, true));
    for (const [key, nodeId, host, port] of [
      ['group-a', 1, '10.0.0.1', 9092],
      ['group-b', 2, 'kafka-2.internal', 9093],
    ]) {
      parts.push(str(key, true), i32(nodeId), str(host, true), i32(port), i16(0), str(null, true), tags());
    }
  }
  if (flexible) parts.push(tags());
  return Buffer.concat(parts);
}

describe('FindCoordinator response rewriting', () => {
  for (let version = 0; version <= 4; version++) {
    it(`v${version}: the coordinator's address points at the proxy`, () => {
      const payload = findCoordinatorResponse(version);
      const { coordinators } = parseFindCoordinatorResponse(payload, version);
      expect(coordinators.map((c) => [c.nodeId, c.host, c.port])).toEqual(
        version < 4
          ? [[2, 'kafka-2.internal', 9093]]
          : [
              [1, '10.0.0.1', 9092],
              [2, 'kafka-2.internal', 9093],
            ],
      );
      const replacements = coordinators.map((field) => ({
        field,
        host: '127.0.0.1',
        port: 19000 + field.nodeId,
      }));
      const out = spliceAddresses(payload, replacements, version >= 3, undefined);
      const again = parseFindCoordinatorResponse(out, version).coordinators;
      expect(again.map((c) => [c.nodeId, c.host, c.port])).toEqual(
        coordinators.map((c) => [c.nodeId, '127.0.0.1', 19000 + c.nodeId]),
      );
      // Everything after the last address is byte-identical.
      const tail = payload.subarray(coordinators[coordinators.length - 1].portEnd);
      expect(out.subarray(out.length - tail.length).equals(tail)).toBe(true);
    });
  }
});

'use strict';
// The few pieces of the Kafka wire protocol the test proxy needs: framing (INT32 size + payload), the request
// header's api key / version / correlation id, and the two responses that carry broker addresses: Metadata
// (api key 3, versions 0–12) and FindCoordinator (api key 10, versions 0–5). Everything else passes through
// byte for byte. Layouts follow the public protocol guide (kafka.apache.org/protocol) and the message schemas
// MetadataResponse.json / FindCoordinatorResponse.json: "flexible" versions (Metadata ≥ 9, FindCoordinator ≥ 3)
// use compact strings/arrays (unsigned-varint length + 1), a tagged-field section at the end of every struct,
// and response header v1 (correlation id followed by tagged fields).

const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;

/** Splits a byte stream into complete Kafka frames (each returned without its 4-byte size prefix). */
class Framer {
  constructor() {
    this.buffer = Buffer.alloc(0);
  }

  /** @param {Buffer} chunk @returns {Buffer[]} */
  push(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames = [];
    while (this.buffer.length >= 4) {
      const size = this.buffer.readInt32BE(0);
      if (size < 0) throw new Error(`negative Kafka frame size ${size}`);
      if (this.buffer.length < 4 + size) break;
      frames.push(this.buffer.subarray(4, 4 + size));
      this.buffer = this.buffer.subarray(4 + size);
    }
    return frames;
  }
}

/** @param {Buffer} payload */
function frame(payload) {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/** Request header v1/v2 start: api_key INT16, api_version INT16, correlation_id INT32. */
function readRequestHeader(payload) {
  return {
    apiKey: payload.readInt16BE(0),
    apiVersion: payload.readInt16BE(2),
    correlationId: payload.readInt32BE(4),
  };
}

class Reader {
  /** @param {Buffer} buf */
  constructor(buf, offset = 0) {
    this.buf = buf;
    this.offset = offset;
  }
  int16() {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32() {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uvarint() {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.offset >= this.buf.length) throw new Error('truncated varint');
      const byte = this.buf[this.offset++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
      if (shift > 35) throw new Error('varint too long');
    }
  }
  /** STRING / NULLABLE_STRING (INT16 length, -1 = null) or, when compact, COMPACT_(NULLABLE_)STRING. */
  string(compact) {
    const length = compact ? this.uvarint() - 1 : this.int16();
    if (length < 0) return null;
    const v = this.buf.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return v;
  }
  /** ARRAY length (INT32) or COMPACT_ARRAY length (uvarint N+1); -1 = null. */
  arrayLength(compact) {
    return compact ? this.uvarint() - 1 : this.int32();
  }
  skipTaggedFields() {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint(); // tag
      const size = this.uvarint();
      this.offset += size;
    }
  }
}

function encodeUvarint(value) {
  const bytes = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function encodeString(value, compact) {
  const body = Buffer.from(value, 'utf8');
  if (compact) return Buffer.concat([encodeUvarint(body.length + 1), body]);
  const length = Buffer.alloc(2);
  length.writeInt16BE(body.length, 0);
  return Buffer.concat([length, body]);
}

function encodeInt32(value) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value, 0);
  return b;
}

/**
 * A broker address found in a response: its node id, the address the upstream advertised, and where the
 * host and port fields lie in the payload (so they can be replaced without re-encoding anything else).
 * @typedef {{ nodeId: number, host: string, port: number, hostStart: number, portEnd: number }} AddressField
 */

/**
 * Reads a Metadata response (payload = correlation id onward) up to the controller id.
 * @returns {{ brokers: AddressField[], controllerId: number | undefined, controllerAt: number | undefined }}
 */
function parseMetadataResponse(payload, version) {
  const flexible = version >= 9;
  const r = new Reader(payload, 4);
  if (flexible) r.skipTaggedFields();
  if (version >= 3) r.int32(); // throttle_time_ms
  const count = r.arrayLength(flexible);
  const brokers = [];
  for (let i = 0; i < count; i++) {
    const nodeId = r.int32();
    const hostStart = r.offset;
    const host = r.string(flexible);
    const port = r.int32();
    const portEnd = r.offset;
    if (version >= 1) r.string(flexible); // rack
    if (flexible) r.skipTaggedFields();
    brokers.push({ nodeId, host, port, hostStart, portEnd });
  }
  if (version >= 2) r.string(flexible); // cluster_id
  let controllerId;
  let controllerAt;
  if (version >= 1) {
    controllerAt = r.offset;
    controllerId = r.int32();
  }
  return { brokers, controllerId, controllerAt };
}

/**
 * Reads a FindCoordinator response: one coordinator (v0–v3) or a list of them (v4+).
 * @returns {{ coordinators: AddressField[] }}
 */
function parseFindCoordinatorResponse(payload, version) {
  const flexible = version >= 3;
  const r = new Reader(payload, 4);
  if (flexible) r.skipTaggedFields();
  if (version >= 1) r.int32(); // throttle_time_ms
  const coordinators = [];
  const readAddress = () => {
    const nodeId = r.int32();
    const hostStart = r.offset;
    const host = r.string(flexible);
    const port = r.int32();
    coordinators.push({ nodeId, host, port, hostStart, portEnd: r.offset });
  };
  if (version < 4) {
    r.int16(); // error_code
    if (version >= 1) r.string(flexible); // error_message
    readAddress();
  } else {
    const count = r.arrayLength(true);
    for (let i = 0; i < count; i++) {
      r.string(true); // key
      readAddress();
      r.int16(); // error_code
      r.string(true); // error_message
      r.skipTaggedFields();
    }
  }
  return { coordinators };
}

/**
 * Rebuilds a payload with some address fields replaced and, optionally, the controller id replaced.
 * @param {Buffer} payload
 * @param {{ field: AddressField, host: string, port: number }[]} replacements in payload order
 * @param {boolean} compact whether strings are compact (flexible version)
 * @param {{ at: number, value: number } | undefined} controller
 */
function spliceAddresses(payload, replacements, compact, controller) {
  const parts = [];
  let cursor = 0;
  for (const { field, host, port } of replacements) {
    parts.push(payload.subarray(cursor, field.hostStart), encodeString(host, compact), encodeInt32(port));
    cursor = field.portEnd;
  }
  if (controller !== undefined) {
    parts.push(payload.subarray(cursor, controller.at), encodeInt32(controller.value));
    cursor = controller.at + 4;
  }
  parts.push(payload.subarray(cursor));
  return Buffer.concat(parts);
}

module.exports = {
  API_METADATA,
  API_FIND_COORDINATOR,
  Framer,
  frame,
  readRequestHeader,
  parseMetadataResponse,
  parseFindCoordinatorResponse,
  spliceAddresses,
  encodeUvarint,
  encodeString,
  Reader,
};

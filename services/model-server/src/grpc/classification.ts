import { InputError } from '../errors';
import { fromWire } from '../tensor/datatypes';
import { elementCount, isBytesData, type HostTensor } from '../tensor/host-tensor';

/**
 * Triton's classification extension: replaces an output with its top-k entries per batch item as BYTES
 * strings `"<value>:<index>"` or `"<value>:<index>:<label>"` when the output has a label file.
 */
export function classify(
  t: HostTensor,
  k: number,
  labels: string[] | undefined,
  batched: boolean,
): HostTensor {
  if (isBytesData(t.data)) throw new InputError(`classification not supported for BYTES output '${t.name}'`);
  const batch = batched ? (t.shape[0] ?? 1) : 1;
  const perItem = elementCount(t.shape) / Math.max(1, batch);
  const values = readNumbers(t);
  const topK = Math.min(k, perItem);
  const out: Buffer[] = [];
  for (let b = 0; b < batch; b++) {
    const idx = Array.from({ length: perItem }, (_, i) => i);
    idx.sort((x, y) => (values[b * perItem + y] ?? 0) - (values[b * perItem + x] ?? 0));
    for (const i of idx.slice(0, topK)) {
      const value = values[b * perItem + i] ?? 0;
      const label = labels?.[i];
      out.push(Buffer.from(label === undefined ? `${value}:${i}` : `${value}:${i}:${label}`));
    }
  }
  const bytes = fromWire('BYTES');
  if (!bytes) throw new Error('BYTES type missing');
  return { name: t.name, type: bytes, shape: batched ? [batch, topK] : [topK], data: out };
}

function readNumbers(t: HostTensor): number[] {
  const buf = t.data as Buffer;
  const n = buf.length / t.type.size;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * t.type.size;
    switch (t.type.wire) {
      case 'FP32':
        out.push(buf.readFloatLE(o));
        break;
      case 'FP64':
        out.push(buf.readDoubleLE(o));
        break;
      case 'INT32':
        out.push(buf.readInt32LE(o));
        break;
      case 'INT64':
        out.push(Number(buf.readBigInt64LE(o)));
        break;
      case 'UINT8':
      case 'BOOL':
        out.push(buf.readUInt8(o));
        break;
      default:
        throw new InputError(`classification not supported for ${t.type.wire} output '${t.name}'`);
    }
  }
  return out;
}

// Property-based abuse of the upload path: random and malformed bytes, truncated JPEGs, a decompression bomb,
// wrong content types and absurd field values must get a clean 4xx (never a 5xx, never a hang) and leave the
// gateway serving.
import fc from 'fast-check';
import sharp from 'sharp';
import type { RunningGateway } from '../../services/gateway/src/server';
import { datasetImages, postImage, startTestGateway } from './gateway-harness';

let gateway: RunningGateway;
let url: string;
const jpeg = datasetImages('magnetic_tile', 'Crack', 1)[0]!.bytes;

beforeAll(async () => {
  ({ gateway, url } = await startTestGateway({
    MAX_UPLOAD_BYTES: String(2 * 1024 * 1024),
    MAX_INPUT_PIXELS: '4000000',
  }));
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
});

const CLIENT_ERRORS = [400, 413, 415, 422];

async function expectClean4xx(res: Response): Promise<void> {
  const body = (await res.json()) as { error?: { code: string; id: string } };
  expect(CLIENT_ERRORS).toContain(res.status);
  expect(body.error?.id).toBeTruthy();
}

async function expectAlive(): Promise<void> {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}

describe('upload path under abuse', () => {
  it('random bytes as an image', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 4096 }), async (bytes) => {
        await expectClean4xx(
          await postImage(url, Buffer.from(bytes), { modality: 'visual', stationId: 'fuzz' }),
        );
      }),
      { numRuns: 60 },
    );
    await expectAlive();
  });

  it('truncated and bit-flipped real JPEGs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: jpeg.length - 1 }),
        fc.integer({ min: 0, max: jpeg.length - 1 }),
        async (cut, flip) => {
          const damaged = Buffer.from(jpeg.subarray(0, Math.max(cut, 4)));
          if (flip < damaged.length) damaged[flip] = (damaged[flip] ?? 0) ^ 0xff;
          const res = await postImage(url, damaged, { modality: 'visual', stationId: 'fuzz' });
          // A damaged JPEG may still decode (flips in entropy data); otherwise it must be a clean 4xx.
          if (res.status !== 200) await expectClean4xx(res);
          else await res.arrayBuffer();
        },
      ),
      { numRuns: 60 },
    );
    await expectAlive();
  });

  it('a decompression bomb is refused before it is decoded', async () => {
    const bomb = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#000' } })
      .greyscale()
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await postImage(url, bomb, { modality: 'visual', stationId: 'fuzz' });
    await expectClean4xx(res);
    await expectAlive();
  });

  it('wrong content types and absurd field values', async () => {
    const contentType = fc.constantFrom(
      'text/plain',
      'application/xml',
      'image/gif',
      'application/octet-stream',
      '',
    );
    await fc.assert(
      fc.asyncProperty(contentType, fc.uint8Array({ maxLength: 256 }), async (type, bytes) => {
        const res = await fetch(`${url}/v1/inspections?modality=visual&stationId=s`, {
          method: 'POST',
          headers: type ? { 'content-type': type } : {},
          body: Buffer.from(bytes),
        });
        await expectClean4xx(res);
      }),
      { numRuns: 30 },
    );
    const fieldValue = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constant('x'.repeat(10_000)),
      fc.constant('../../etc'),
    );
    await fc.assert(
      fc.asyncProperty(fieldValue, fieldValue, fieldValue, async (modality, stationId, version) => {
        const res = await postImage(url, jpeg, { modality, stationId, version });
        if (res.status !== 200) await expectClean4xx(res);
        else await res.arrayBuffer();
      }),
      { numRuns: 40 },
    );
    await expectAlive();
  });

  it('malformed measurements', async () => {
    const value = fc.oneof(
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.object(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.array(value, { maxLength: 12 }), fc.dictionary(fc.string(), value), value),
        async (m) => {
          const res = await fetch(`${url}/v1/inspections`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ modality: 'electrical', stationId: 's', measurements: m }),
          });
          if (res.status !== 200) await expectClean4xx(res);
          else await res.arrayBuffer();
        },
      ),
      { numRuns: 60 },
    );
    await expectAlive();
  });
});

import { orderedId } from './job-queue';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('orderedId', () => {
  it('is a UUID (version 7 layout) that sorts by time, then by item index', () => {
    const t = Date.UTC(2026, 10, 25, 18, 0, 0);
    const ids = [0, 1, 2, 9, 10, 255, 256, 9_999].map((i) => orderedId(t, i));
    for (const id of ids) expect(id).toMatch(UUID);
    expect([...ids].sort()).toEqual(ids);
    expect(orderedId(t + 1, 0) > orderedId(t, 9_999)).toBe(true);
  });

  it('differs between two jobs submitted in the same millisecond', () => {
    const t = Date.now();
    expect(orderedId(t, 3)).not.toBe(orderedId(t, 3));
  });
});

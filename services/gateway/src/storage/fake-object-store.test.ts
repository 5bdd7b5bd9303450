import { randomBytes } from 'node:crypto';

import { UnavailableError } from '../domain/errors';
import { FakeObjectStore } from './fake-object-store';
import { describeObjectStoreContract } from './object-store-contract';

describeObjectStoreContract('FakeObjectStore', async () => {
  const store = new FakeObjectStore();
  return {
    store,
    corrupt: async (key, bytes) => store.corrupt(key, bytes),
    dispose: () => store.close(),
  };
});

describe('FakeObjectStore outages', () => {
  it('fails every call with UnavailableError while down and recovers afterwards', async () => {
    const store = new FakeObjectStore();
    const { key } = await store.put(randomBytes(10), 'image/png');

    store.setDown(true);

    expect(await store.ready()).toBe(false);
    await expect(store.put(randomBytes(10), 'image/png')).rejects.toThrow(UnavailableError);
    await expect(store.get(key)).rejects.toThrow(UnavailableError);
    await expect(store.head(key)).rejects.toThrow(UnavailableError);
    await expect(store.list('')).rejects.toThrow(UnavailableError);

    store.setDown(false);

    expect(await store.head(key)).toBeDefined();
    expect(store.size).toBe(1);
  });
});

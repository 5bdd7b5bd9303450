import { InMemoryOutboxSource } from './in-memory-outbox-source';

describe('InMemoryOutboxSource', () => {
  it('claims in id order and hides claimed rows from other claims', async () => {
    const source = new InMemoryOutboxSource();
    for (const key of ['a', 'b', 'c', 'd']) source.add({ topic: 't', key, payload: {} });
    const first = await source.claimBatch(2);
    const second = await source.claimBatch(10);
    expect(first.map((r) => r.key)).toEqual(['a', 'b']);
    expect(second.map((r) => r.key)).toEqual(['c', 'd']);
  });

  it('never claims a row while an earlier row of its key is held by another claim', async () => {
    const source = new InMemoryOutboxSource();
    for (const key of ['a', 'b', 'a', 'c']) source.add({ topic: 't', key, payload: {} });
    const first = await source.claimBatch(1); // a#1
    const second = await source.claimBatch(10);
    expect(first.map((r) => r.id)).toEqual(['1']);
    expect(second.map((r) => r.id)).toEqual(['2', '4']); // a#3 waits for a#1
    await source.markPublished(['1']);
    await source.release(second.map((r) => r.id));
    expect((await source.claimBatch(10)).map((r) => r.id)).toEqual(['2', '3', '4']);
  });

  it('markPublished ends the claim: rows not named return to the outbox', async () => {
    const source = new InMemoryOutboxSource();
    for (const key of ['a', 'b']) source.add({ topic: 't', key, payload: {} });
    const claim = await source.claimBatch(10);
    await source.markPublished([claim[0]!.id]);
    expect((await source.claimBatch(10)).map((r) => r.key)).toEqual(['b']);
    expect(source.unpublishedCount()).toBe(1);
  });
});

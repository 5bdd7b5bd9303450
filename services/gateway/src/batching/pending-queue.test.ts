import { PendingQueue } from './pending-queue';

const entry = (id: number, deadline: number) => ({ id, deadline });

describe('PendingQueue', () => {
  it('takes from the front in arrival order', () => {
    const queue = new PendingQueue<ReturnType<typeof entry>>();
    [1, 2, 3, 4, 5].forEach((id) => queue.push(entry(id, 100 + id)));
    expect(queue.take(2).map((e) => e.id)).toEqual([1, 2]);
    expect(queue.peek()?.id).toBe(3);
    expect(queue.length).toBe(3);
    expect(queue.take(10).map((e) => e.id)).toEqual([3, 4, 5]);
    expect(queue.length).toBe(0);
    expect(queue.nextExpiry()).toBe(Infinity);
  });

  it('tracks the earliest deadline across takes and removes only expired entries, keeping order', () => {
    const queue = new PendingQueue<ReturnType<typeof entry>>();
    queue.push(entry(1, 10));
    queue.push(entry(2, 50));
    queue.push(entry(3, 20));
    queue.push(entry(4, 40));
    expect(queue.nextExpiry()).toBe(10);
    expect(queue.earliestDeadline(2)).toBe(10);
    queue.take(1);
    expect(queue.nextExpiry()).toBe(20);
    expect(queue.removeExpired(19)).toEqual([]);
    expect(queue.removeExpired(40).map((e) => e.id)).toEqual([3, 4]);
    expect(queue.peek()?.id).toBe(2);
    expect(queue.nextExpiry()).toBe(50);
  });

  it('stays correct across many pushes and takes (front compaction)', () => {
    const queue = new PendingQueue<ReturnType<typeof entry>>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) queue.push(entry(next, 1_000_000 - next++));
      for (const taken of queue.take(90)) expect(taken.id).toBe(expected++);
    }
    expect(queue.length).toBe(500);
    expect(queue.nextExpiry()).toBe(1_000_000 - (next - 1));
  });
});

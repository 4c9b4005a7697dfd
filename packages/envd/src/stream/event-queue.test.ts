import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventQueue } from './event-queue.js';

async function drain<T>(queue: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of queue) out.push(item);
  return out;
}

describe('EventQueue', () => {
  it('delivers buffered and later items in order, then ends', async () => {
    const queue = new EventQueue<number>();
    queue.push(1);
    const result = drain(queue);
    queue.push(2);
    queue.end();
    queue.push(3);
    assert.deepEqual(await result, [1, 2]);
  });

  it('stops when the signal aborts', async () => {
    const abort = new AbortController();
    const queue = new EventQueue<number>({ signal: abort.signal });
    const result = drain(queue);
    queue.push(1);
    setTimeout(() => abort.abort(), 10);
    assert.deepEqual(await result, [1]);
    assert.ok(queue.closed);
  });

  it('still drains a finished queue when the signal aborts (shutdown after the end event)', async () => {
    const abort = new AbortController();
    const queue = new EventQueue<string>({ signal: abort.signal });
    queue.push('data');
    queue.push('end');
    queue.end();
    abort.abort();
    assert.deepEqual(await drain(queue), ['data', 'end']);
  });

  it('sends keepalives while idle and reports congestion and drain', async () => {
    let drained = 0;
    const queue = new EventQueue<string>({
      keepaliveMs: 20,
      keepalive: () => 'ka',
      sizeOf: (s) => s.length,
      highWaterBytes: 4,
      onDrain: () => drained++,
    });
    queue.push('12345');
    assert.ok(queue.congested);
    const iterator = queue[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value, '12345');
    assert.equal(drained, 1);
    assert.equal((await iterator.next()).value, 'ka');
    queue.close();
    assert.equal((await iterator.next()).done, true);
  });
});

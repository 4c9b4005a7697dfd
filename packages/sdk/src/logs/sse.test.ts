import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSse } from './sse.js';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield new TextEncoder().encode(p);
}

describe('SSE parser', () => {
  it('reassembles events across chunk boundaries and skips comments', async () => {
    const out = [];
    for await (const e of parseSse(
      chunks('id: 1\nevent: log\nda', 'ta: {"a":1}\n\n: keep-alive\n\n', 'event: end\r\ndata: {}\r\n\r\n'),
    ))
      out.push(e);
    assert.deepEqual(out, [
      { event: 'log', data: '{"a":1}', id: '1' },
      { event: 'end', data: '{}' },
    ]);
  });
});

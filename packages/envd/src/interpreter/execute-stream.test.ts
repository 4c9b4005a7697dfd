import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { openExecuteStream } from './execute-stream.js';

/** A response that never drains: writableLength grows with every write. */
function stalledResponse() {
  const lines: string[] = [];
  const res = Object.assign(new EventEmitter(), {
    writableLength: 0,
    writableEnded: false,
    destroyed: false,
    writeHead() {
      return res;
    },
    flushHeaders() {},
    write(chunk: string) {
      lines.push(chunk);
      res.writableLength += chunk.length;
      return false;
    },
    end() {
      res.writableEnded = true;
    },
  });
  return { res: res as unknown as ServerResponse, lines };
}

describe('execute stream', () => {
  it('drops bulky output for a client that does not read, once noted, but keeps errors and the end', () => {
    const { res, lines } = stalledResponse();
    const stream = openExecuteStream(res, 60_000, 100);
    for (let i = 0; i < 50; i++) stream.write({ type: 'stdout', text: `line ${i}\n` });
    stream.write({ type: 'error', name: 'E', value: 'v', traceback: '' });
    stream.end();
    const types = lines.map((l) => (JSON.parse(l) as { type: string; text?: string }).type);
    assert.ok(types.filter((t) => t === 'stdout').length < 10);
    assert.equal(lines.filter((l) => l.includes('output dropped')).length, 1);
    assert.deepEqual(types.slice(-2), ['error', 'end_of_execution']);
    assert.ok(lines.every((l) => l.endsWith('\n') && l.trim() !== ''));
  });
});

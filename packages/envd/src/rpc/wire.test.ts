/**
 * The Connect wire exactly as the e2b SDK (connect-web, JSON) produces and expects it,
 * checked with raw HTTP rather than a Connect client (spec §3.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { StreamInputRequestSchema } from '@soulbox/proto';
import { startTestEnvd, type TestEnvd } from '../testing/envd-fixture.js';
import { collect, emptyCollected, readUntil } from '../testing/process-stream.js';

function envelope(message: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json]);
}

function parseEnvelopes(body: Buffer): Array<{ flags: number; json: unknown }> {
  const out: Array<{ flags: number; json: unknown }> = [];
  for (let at = 0; at < body.length; ) {
    const flags = body[at] as number;
    const length = body.readUInt32BE(at + 1);
    out.push({ flags, json: JSON.parse(body.subarray(at + 5, at + 5 + length).toString()) });
    at += 5 + length;
  }
  return out;
}

const streamHeaders = { 'content-type': 'application/connect+json', 'connect-protocol-version': '1' };

describe('Connect wire format', () => {
  let t: TestEnvd;
  before(async () => {
    t = await startTestEnvd();
  });
  after(async () => {
    await t.close();
  });

  it('streams Start as envelopes: start, data (base64), end (defaults omitted), end-of-stream {}', async () => {
    const res = await t.http('/process.Process/Start', {
      method: 'POST',
      headers: streamHeaders,
      body: envelope({ process: { cmd: '/bin/bash', args: ['-c', 'printf abc'] }, stdin: false }),
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/connect\+json/);
    assert.equal(res.headers['content-encoding'], undefined);
    const messages = parseEnvelopes(res.body);
    const first = messages[0]?.json as { event?: { start?: { pid?: number } } } | undefined;
    const pid = first?.event?.start?.pid ?? 0;
    assert.ok(pid > 0);
    assert.deepEqual(messages.slice(1), [
      { flags: 0, json: { event: { data: { stdout: 'YWJj' } } } },
      { flags: 0, json: { event: { end: { exited: true, status: 'exit status 0' } } } },
      { flags: 2, json: {} },
    ]);
  });

  it('sends streaming errors as HTTP 200 with an end-of-stream error', async () => {
    const res = await t.http('/process.Process/Start', {
      method: 'POST',
      headers: streamHeaders,
      body: envelope({ process: { cmd: '/bin/bash', args: [], cwd: '/no/such/dir' } }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(parseEnvelopes(res.body), [
      {
        flags: 2,
        json: { error: { code: 'invalid_argument', message: "cwd '/no/such/dir' does not exist" } },
      },
    ]);
    const watch = await t.http('/filesystem.Filesystem/WatchDir', {
      method: 'POST',
      headers: streamHeaders,
      body: envelope({ path: '/no/such/dir' }),
    });
    assert.equal(watch.status, 200);
    const [end] = parseEnvelopes(watch.body);
    assert.equal((end?.json as { error?: { code?: string } } | undefined)?.error?.code, 'not_found');
  });

  it('answers unary errors with the Connect status and a JSON body', async () => {
    const res = await t.http('/process.Process/SendSignal', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ process: { pid: 999999 }, signal: 'SIGNAL_SIGKILL' }),
    });
    assert.equal(res.status, 404);
    assert.deepEqual(JSON.parse(res.body.toString()), {
      code: 'not_found',
      message: 'process with pid 999999 not found',
    });
    const stat = await t.http('/filesystem.Filesystem/Stat', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip, deflate' },
      body: JSON.stringify({ path: t.workDir }),
    });
    assert.equal(stat.status, 200);
    assert.equal(stat.headers['content-encoding'], undefined, 'responses are never compressed');
    const entry = (JSON.parse(stat.body.toString()) as { entry: Record<string, unknown> }).entry;
    assert.equal(entry.type, 'FILE_TYPE_DIRECTORY');
    assert.equal(entry.permissions, 'drwxr-xr-x');
    assert.equal(typeof entry.size, 'string', 'int64 as a JSON string');
  });

  it('accepts input over the client-streaming StreamInput RPC', async () => {
    const iterator = t.process
      .start({ process: { cmd: 'cat', args: [], envs: {} }, stdin: true })
      [Symbol.asyncIterator]();
    const got = await readUntil(iterator, emptyCollected(), (c) => c.pid > 0);
    const selector = { selector: { case: 'pid' as const, value: got.pid } };
    async function* input() {
      yield create(StreamInputRequestSchema, { event: { case: 'start', value: { process: selector } } });
      yield create(StreamInputRequestSchema, { event: { case: 'keepalive', value: {} } });
      for (const text of ['one ', 'two']) {
        yield create(StreamInputRequestSchema, {
          event: { case: 'data', value: { input: { input: { case: 'stdin', value: Buffer.from(text) } } } },
        });
      }
    }
    await t.process.streamInput(input());
    await readUntil(iterator, got, (c) => c.stdout === 'one two');
    await t.process.closeStdin({ process: selector });
    await readUntil(iterator, got, () => false);
    assert.equal(got.end?.exitCode, 0);
    const unknown = collect(t.process.connect({ process: { selector: { case: 'tag', value: 'nope' } } }));
    await assert.rejects(unknown, /process with tag nope not found/);
  });
});

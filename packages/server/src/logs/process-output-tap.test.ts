import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import { StartResponseSchema } from '@soulbox/proto';
import { parseEnvdLine } from './envd-line.js';
import { createProcessOutputTap } from './process-output-tap.js';

function envelope(payload: Uint8Array, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

const msgs = [
  create(StartResponseSchema, { event: { event: { case: 'start', value: { pid: 42 } } } }),
  create(StartResponseSchema, {
    event: { event: { case: 'data', value: { output: { case: 'stdout', value: Buffer.from('hel') } } } },
  }),
  create(StartResponseSchema, {
    event: { event: { case: 'data', value: { output: { case: 'stdout', value: Buffer.from('lo\nwor') } } } },
  }),
  create(StartResponseSchema, {
    event: { event: { case: 'data', value: { output: { case: 'stderr', value: Buffer.from('oops\n') } } } },
  }),
  create(StartResponseSchema, {
    event: { event: { case: 'end', value: { exitCode: 0, exited: true, status: 'exit status 0' } } },
  }),
];

function run(contentType: string, encode: (m: (typeof msgs)[number]) => Uint8Array, chunkSize: number) {
  const lines: string[] = [];
  const tap = createProcessOutputTap({
    contentType,
    sink: { line: (pid, stream, text) => lines.push(`${pid} ${stream} ${text}`), truncated: () => {} },
  });
  const wire = Buffer.concat([...msgs.map((m) => envelope(encode(m))), envelope(Buffer.from('{}'), 2)]);
  for (let i = 0; i < wire.length; i += chunkSize) tap.write(wire.subarray(i, i + chunkSize));
  tap.end();
  return lines;
}

describe('process output tap', () => {
  const expected = ['42 stdout hello', '42 stderr oops', '42 stdout wor'];
  it('decodes Connect JSON envelopes split anywhere', () => {
    assert.deepEqual(
      run('application/connect+json', (m) => Buffer.from(toJsonString(StartResponseSchema, m)), 3),
      expected,
    );
  });
  it('decodes binary envelopes', () => {
    assert.deepEqual(
      run('application/connect+proto', (m) => toBinary(StartResponseSchema, m), 7),
      expected,
    );
  });
  it('stops after its budget', () => {
    const lines: string[] = [];
    let truncated = 0;
    const tap = createProcessOutputTap({
      contentType: 'application/connect+proto',
      maxBytes: 10,
      sink: { line: (_p, _s, t) => lines.push(t), truncated: () => truncated++ },
    });
    const big = create(StartResponseSchema, {
      event: {
        event: {
          case: 'data',
          value: { output: { case: 'stdout', value: Buffer.from('a\nb\nc\nd\ne\nf\ng\n') } },
        },
      },
    });
    assert.equal(tap.write(envelope(toBinary(StartResponseSchema, big))), false);
    assert.equal(truncated, 1);
    assert.equal(tap.write(envelope(toBinary(StartResponseSchema, big))), false);
    assert.equal(lines.length, 7);
  });
});

describe('envd log lines', () => {
  it('describes process events and keeps fields', () => {
    const e = parseEnvdLine(
      '{"ts":"2026-01-01T00:00:00.000Z","level":"info","event":"process.start","pid":7,"cmd":"/bin/bash","args":["-l","-c","echo hi"],"user":"user"}',
    )!;
    assert.equal(e.message, "process 7 started as user: /bin/bash -l -c 'echo hi'");
    assert.equal(e.fields.event, 'process.start');
    assert.equal(e.fields.pid, '7');
    assert.equal(e.timestampMs, Date.parse('2026-01-01T00:00:00.000Z'));
  });
  it('keeps text that is not JSON', () => {
    assert.equal(parseEnvdLine('runc: something')!.message, 'runc: something');
    assert.equal(parseEnvdLine('  '), undefined);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeFrame,
  encodeGreeting,
  encodeMessage,
  encodeReady,
  GREETING_SIZE,
  parseCommand,
  parseGreeting,
  parseProperties,
  ZmtpProtocolError,
  ZmtpReader,
} from './zmtp-codec.js';

describe('ZMTP 3.0 codec', () => {
  it('writes a 64-byte NULL greeting that parses back', () => {
    const g = encodeGreeting();
    assert.equal(g.length, GREETING_SIZE);
    assert.deepEqual(parseGreeting(g), { major: 3, minor: 0, mechanism: 'NULL' });
  });

  it('refuses non-ZMTP bytes, old versions and other mechanisms', () => {
    assert.throws(() => parseGreeting(Buffer.alloc(64)), ZmtpProtocolError);
    const old = encodeGreeting();
    old[10] = 2;
    assert.throws(() => parseGreeting(old), /ZMTP 2/);
    const curve = encodeGreeting();
    curve.write('CURVE', 12, 'ascii');
    assert.throws(() => parseGreeting(curve), /CURVE/);
  });

  it('uses short frames up to 255 bytes and long ones above', () => {
    assert.deepEqual([...encodeFrame(Buffer.from('ab'), true)], [0x01, 2, 0x61, 0x62]);
    const long = encodeFrame(Buffer.alloc(300, 7), false);
    assert.equal(long[0], 0x02);
    assert.equal(long.readBigUInt64BE(1), 300n);
    assert.equal(long.length, 9 + 300);
  });

  it('reads the greeting and frames from arbitrarily split chunks', () => {
    const wire = Buffer.concat([
      encodeGreeting(),
      encodeReady({ 'Socket-Type': 'ROUTER' }),
      encodeMessage([Buffer.from('one'), Buffer.alloc(1000, 1), Buffer.alloc(0)]),
    ]);
    for (const size of [1, 7, 64, 65, 200, wire.length]) {
      const reader = new ZmtpReader();
      const frames = [];
      for (let at = 0; at < wire.length; at += size)
        frames.push(...reader.push(wire.subarray(at, at + size)));
      assert.ok(reader.greeting, `greeting with chunks of ${size}`);
      assert.equal(frames.length, 4);
      assert.equal(frames[0]?.command, true);
      const { name, data } = parseCommand(frames[0]?.body ?? Buffer.alloc(0));
      assert.equal(name, 'READY');
      assert.deepEqual(parseProperties(data), { 'Socket-Type': 'ROUTER' });
      assert.deepEqual(
        frames.slice(1).map((f) => [f.more, f.body.length]),
        [
          [true, 3],
          [true, 1000],
          [false, 0],
        ],
      );
    }
  });

  it('encodes READY metadata as name-length, name, 4-byte value length, value', () => {
    const frame = encodeReady({ 'Socket-Type': 'DEALER', Identity: '' });
    const reader = new ZmtpReader();
    const [ready] = reader.push(Buffer.concat([encodeGreeting(), frame]));
    const { data } = parseCommand(ready?.body ?? Buffer.alloc(0));
    assert.deepEqual(parseProperties(data), { 'Socket-Type': 'DEALER', Identity: '' });
  });
});

describe('ZmtpReader limits', () => {
  it('skips a frame above the limit and keeps reading the ones after it', () => {
    const reader = new ZmtpReader(100);
    const wire = Buffer.concat([
      encodeGreeting(),
      encodeMessage([Buffer.from('head'), Buffer.alloc(1000, 9)]),
      encodeMessage([Buffer.from('next')]),
    ]);
    const frames = [];
    for (let at = 0; at < wire.length; at += 37) frames.push(...reader.push(wire.subarray(at, at + 37)));
    assert.deepEqual(
      frames.map((f) => [f.body.toString(), f.skippedBytes, f.more]),
      [
        ['head', 0, true],
        ['', 1000, false],
        ['next', 0, false],
      ],
    );
  });
});

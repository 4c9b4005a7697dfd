import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAdmission } from './admission.js';

describe('admission', () => {
  it('lets burstable sandboxes overcommit up to the limit, then refuses naming the resource', () => {
    const a = createAdmission({
      capacity: { cpuCount: 2, memoryMiB: 1000 },
      overcommit: { cpu: 2, memory: 1 },
    });
    a.reserve('a', { cpuCount: 2, memoryMiB: 400, qos: 'burstable' });
    a.reserve('b', { cpuCount: 2, memoryMiB: 400, qos: 'burstable' });
    assert.throws(
      () => a.reserve('c', { cpuCount: 1, memoryMiB: 100, qos: 'burstable' }),
      /node full: not enough vCPUs/,
    );
    assert.throws(() => a.reserve('c', { cpuCount: 0, memoryMiB: 300, qos: 'burstable' }), /memory/);
    a.release('a');
    a.reserve('c', { cpuCount: 1, memoryMiB: 100, qos: 'burstable' });
    assert.equal(a.levels().allocatedCpu, 3);
  });

  it('never overcommits guaranteed sandboxes', () => {
    const a = createAdmission({
      capacity: { cpuCount: 2, memoryMiB: 1000 },
      overcommit: { cpu: 10, memory: 10 },
    });
    a.reserve('g1', { cpuCount: 2, memoryMiB: 500, qos: 'guaranteed' });
    assert.throws(
      () => a.reserve('g2', { cpuCount: 1, memoryMiB: 100, qos: 'guaranteed' }),
      /guaranteed vCPUs/,
    );
    a.reserve('b1', { cpuCount: 4, memoryMiB: 2000, qos: 'burstable' });
    assert.ok(a.fits({ cpuCount: 1, memoryMiB: 100, qos: 'burstable' }));
    assert.ok(!a.fits({ cpuCount: 1, memoryMiB: 100, qos: 'guaranteed' }));
  });
});

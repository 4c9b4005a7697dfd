import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeExit, signalNumber } from './exit-status.js';

describe('describeExit', () => {
  it('words exits like Go', () => {
    assert.deepEqual(describeExit(0, null), { exitCode: 0, exited: true, status: 'exit status 0' });
    assert.deepEqual(describeExit(2, null), {
      exitCode: 2,
      exited: true,
      status: 'exit status 2',
      error: 'exit status 2',
    });
    assert.deepEqual(describeExit(null, 'SIGKILL'), {
      exitCode: -1,
      exited: false,
      status: 'signal: killed',
      error: 'signal: killed',
    });
    assert.equal(describeExit(null, 'SIGTERM').status, 'signal: terminated');
    assert.equal(describeExit(null, 11).status, 'signal: segmentation fault');
    assert.equal(describeExit(null, 64).status, 'signal: signal 64');
  });

  it('maps signal names to numbers', () => {
    assert.equal(signalNumber('SIGINT'), 2);
    assert.equal(signalNumber(0), null);
    assert.equal(signalNumber(null), null);
  });
});

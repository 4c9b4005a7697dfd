import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGetcapOutput, setcapArgs } from './file-caps.js';

describe('file capabilities', () => {
  it('parses getcap -r output, with and without rootid, skipping noise', () => {
    const caps = parseGetcapOutput([
      '/usr/bin/ping cap_net_raw=ep',
      '/usr/bin/odd name cap_net_bind_service,cap_net_admin=eip [rootid=100000]',
      'Failed to get capabilities of file /proc/1/fd/3',
      '',
    ]);
    assert.deepEqual(caps, [
      { path: '/usr/bin/ping', capabilities: 'cap_net_raw=ep' },
      { path: '/usr/bin/odd name', capabilities: 'cap_net_bind_service,cap_net_admin=eip' },
    ]);
  });

  it('re-applies them as user-namespace capabilities owned by the shifted root', () => {
    assert.deepEqual(setcapArgs([{ path: '/usr/bin/ping', capabilities: 'cap_net_raw=ep' }], 100000), [
      '-n',
      '100000',
      'cap_net_raw=ep',
      '/usr/bin/ping',
    ]);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { run } from '../../src/util/exec.js';
import { type ChildServer, startChildServer } from '../helpers/child-server.js';
import { TEST_DATA_DIR } from '../helpers/harness.js';
import { api, killAll } from '../helpers/rest.js';

function overlayMounted(id: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(`/sandboxes/${id}/rootfs`);
}

describe('crash and restart', () => {
  let server: ChildServer | undefined;
  after(async () => {
    // Whatever happened above, leave no sandbox behind.
    if (server) {
      await killAll(server);
      await server.stop();
    }
  });

  it('adopts running sandboxes and cleans up dead ones after a hard kill', async () => {
    server = await startChildServer();
    const keep = (await api(server, 'POST', '/v2/sandboxes', { templateID: 'base', timeout: 600 })).json!;
    const lose = (await api(server, 'POST', '/v2/sandboxes', { templateID: 'base', timeout: 600 })).json!;
    const keepId = keep.sandboxID as string;
    const loseId = lose.sandboxID as string;
    assert.ok(overlayMounted(loseId));

    await server.crash();
    server = undefined;
    // While the server is down, one sandbox dies on its own.
    await run('runc', ['kill', `soulbox-${loseId}`, 'KILL'], { allowFailure: true });
    await new Promise((r) => setTimeout(r, 300));

    server = await startChildServer();
    const kept = await api(server, 'GET', `/sandboxes/${keepId}`);
    assert.equal(kept.status, 200, 'the running sandbox was adopted');
    assert.equal(kept.json?.state, 'running');
    const lost = await api(server, 'GET', `/sandboxes/${loseId}`);
    assert.equal(lost.status, 404, 'the dead sandbox is gone');
    assert.equal(overlayMounted(loseId), false, 'its overlay was unmounted');
    assert.ok(!(await run('ip', ['netns', 'list'])).stdout.includes(`sb-${loseId}`), 'its netns was removed');
    assert.ok(!fs.existsSync(`${TEST_DATA_DIR}/sandboxes/${loseId}`), 'its files were removed');

    // The adopted sandbox still works through the data plane.
    const health = await fetch(`${server.url}/health`, {
      headers: { 'e2b-sandbox-id': keepId, 'e2b-sandbox-port': '49983' },
    });
    assert.equal(health.status, 204);
    assert.equal((await api(server, 'DELETE', `/sandboxes/${keepId}`)).status, 204);
    assert.equal(overlayMounted(keepId), false);
  });
});

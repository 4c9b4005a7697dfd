import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { type ChildServer, startChildServer } from '../helpers/child-server.js';
import { api, killAll } from '../helpers/rest.js';

async function exec(s: ChildServer, id: string, token: string, cmd: string): Promise<string> {
  const body = JSON.stringify({ process: { cmd: '/bin/bash', args: ['-l', '-c', cmd] }, stdin: false });
  const frame = Buffer.alloc(5 + Buffer.byteLength(body));
  frame.writeUInt32BE(Buffer.byteLength(body), 1);
  frame.write(body, 5);
  const r = await fetch(`${s.url}/process.Process/Start`, {
    method: 'POST',
    headers: {
      'content-type': 'application/connect+json',
      'connect-protocol-version': '1',
      'e2b-sandbox-id': id,
      'e2b-sandbox-port': '49983',
      'x-access-token': token,
    },
    body: frame,
  });
  const buf = Buffer.from(await r.arrayBuffer());
  let out = '';
  for (let i = 0; i < buf.length; ) {
    const len = buf.readUInt32BE(i + 1);
    const msg = JSON.parse(buf.subarray(i + 5, i + 5 + len).toString()) as {
      event?: { data?: { stdout?: string } };
    };
    if (msg.event?.data?.stdout) out += Buffer.from(msg.event.data.stdout, 'base64').toString();
    i += 5 + len;
  }
  return out;
}

describe('graceful shutdown', () => {
  let server: ChildServer | undefined;
  after(async () => {
    if (server) {
      await killAll(server);
      await server.stop();
    }
  });

  it('SIGTERM leaves sandboxes running and a restart loses nothing', async () => {
    server = await startChildServer();
    const created = (
      await api(server, 'POST', '/v2/sandboxes', {
        templateID: 'base',
        timeout: 600,
        metadata: { keep: 'me' },
        envVars: { K: 'v' },
      })
    ).json!;
    const id = created.sandboxID as string;
    const token = created.envdAccessToken as string;
    await exec(server, id, token, 'echo state-before-restart > /home/user/state; (sleep 1000 &) ');
    const before = (await api(server, 'GET', `/sandboxes/${id}`)).json!;

    await server.stop(); // SIGTERM
    server = undefined;
    server = await startChildServer();

    const afterInfo = (await api(server, 'GET', `/sandboxes/${id}`)).json!;
    assert.equal(afterInfo.state, 'running');
    assert.deepEqual(afterInfo.metadata, { keep: 'me' });
    assert.equal(afterInfo.endAt, before.endAt, 'the timeout is unchanged');
    assert.equal(afterInfo.envdAccessToken, token, 'the access token still works');
    assert.equal(
      (await exec(server, id, token, 'cat /home/user/state; echo $K; pgrep -c sleep')).trim(),
      'state-before-restart\nv\n1',
    );
    assert.equal((await api(server, 'DELETE', `/sandboxes/${id}`)).status, 204);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  conn,
  createSdkSandbox,
  killQuietly,
  rejection,
  SDKS,
  type SdkSandbox,
  waitFor,
  withEnv,
  withSandbox,
} from '../helpers/sdk.js';

/** Looks like an E2B id but never existed. */
const UNKNOWN_ID = 'zzzzzzzzzzzzzzzzzzzz';
/** Right shape (`e2b_` + hex), wrong key. */
const WRONG_KEY = `e2b_${'0'.repeat(40)}`;
/** The writable-layer limit of this file's sandboxes: small, so filling it is quick. */
const DISK_MIB = 256;

/** A local HTTP server that only counts requests: proves the SDK refused before sending. */
async function startCounter(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  let n = 0;
  const srv = http.createServer((_req, res) => {
    n++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => n,
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}

describe('SDK errors', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ sandbox: { defaultDiskMiB: DISK_MIB } });
  });
  after(() => t?.close());

  it('answers malformed JSON and bad fields on the REST API with 400 {code, message}', async () => {
    for (const path of ['/v2/sandboxes', '/sandboxes']) {
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'X-API-KEY': t.apiKey, 'Content-Type': 'application/json' },
        body: '{"templateID": "base",',
      });
      assert.equal(res.status, 400, path);
      const body = (await res.json()) as { code: unknown; message: unknown };
      assert.equal(body.code, 400);
      assert.equal(typeof body.message, 'string');

      const wrongType = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { 'X-API-KEY': t.apiKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ templateID: 'base', timeout: 'soon' }),
      });
      assert.equal(wrongType.status, 400, `${path} with a string timeout`);
      assert.equal(((await wrongType.json()) as { code: number }).code, 400);
    }
    const noKey = await fetch(`${t.url}/v2/sandboxes`);
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { code: number }).code, 401);
    const unknown = await fetch(`${t.url}/sandboxes/${UNKNOWN_ID}`, { headers: { 'X-API-KEY': t.apiKey } });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: number }).code, 404);
  });

  for (const { version, sdk } of SDKS) {
    describe(`e2b ${version}`, () => {
      it('a wrong API key gives AuthenticationError', async () => {
        const err = await rejection(sdk.Sandbox.create({ ...conn(t), apiKey: WRONG_KEY }));
        assert.ok(err instanceof sdk.AuthenticationError, `${err.name}: ${err.message}`);
        const listErr = await rejection(sdk.Sandbox.list({ ...conn(t), apiKey: WRONG_KEY }).nextItems());
        assert.ok(listErr instanceof sdk.AuthenticationError, `${listErr.name}: ${listErr.message}`);
      });

      it('a missing API key fails in the SDK before any request is sent', async () => {
        const counter = await startCounter();
        try {
          await withEnv({ E2B_API_KEY: undefined, E2B_ACCESS_TOKEN: undefined }, async () => {
            const err = await rejection(sdk.Sandbox.create({ apiUrl: counter.url, sandboxUrl: counter.url }));
            assert.ok(err instanceof sdk.AuthenticationError, `${err.name}: ${err.message}`);
            assert.match(err.message, /API key is required/);
          });
          assert.equal(counter.count(), 0, 'nothing reached the wire');
        } finally {
          await counter.close();
        }
      });

      it('a malformed API key gives AuthenticationError', async () => {
        const counter = await startCounter();
        try {
          const local = await rejection(
            sdk.Sandbox.create({ apiKey: 'not-an-e2b-key', apiUrl: counter.url, sandboxUrl: counter.url }),
          );
          if (version === '2.39.0') {
            // 2.27–2.45 check the key's shape on the client.
            assert.ok(local instanceof sdk.AuthenticationError, `${local.name}: ${local.message}`);
            assert.match(local.message, /Invalid API key format/);
            assert.equal(counter.count(), 0);
          }
        } finally {
          await counter.close();
        }
        const err = await rejection(sdk.Sandbox.create({ ...conn(t), apiKey: 'not-an-e2b-key' }));
        assert.ok(err instanceof sdk.AuthenticationError, `${err.name}: ${err.message}`);
      });

      it('an unknown sandbox id: SandboxNotFoundError, and kill says false', async () => {
        const o = conn(t);
        const checks: [string, () => Promise<unknown>][] = [
          ['connect', () => sdk.Sandbox.connect(UNKNOWN_ID, o)],
          ['getInfo', () => sdk.Sandbox.getInfo(UNKNOWN_ID, o)],
          ['setTimeout', () => sdk.Sandbox.setTimeout(UNKNOWN_ID, 10_000, o)],
          ['getMetrics', () => sdk.Sandbox.getMetrics(UNKNOWN_ID, o)],
          ['pause', () => sdk.Sandbox.pause(UNKNOWN_ID, o)],
        ];
        for (const [name, call] of checks) {
          const err = await rejection(call());
          assert.ok(err instanceof sdk.SandboxNotFoundError, `${name}: ${err.name}: ${err.message}`);
        }
        assert.equal(await sdk.Sandbox.kill(UNKNOWN_ID, o), false);
      });

      it('calls on a killed sandbox fail with the SDK errors for a dead sandbox', async () => {
        const sbx = await createSdkSandbox(sdk, t);
        try {
          assert.equal(await sbx.kill(), true);
        } finally {
          await killQuietly(sdk, t, sbx.sandboxId);
        }
        assert.equal(await sbx.isRunning(), false);
        const run = await rejection(sbx.commands.run('echo hi'));
        assert.ok(run instanceof sdk.SandboxNotFoundError, `commands.run: ${run.name}: ${run.message}`);
        const read = await rejection(sbx.files.read('/home/user/.bashrc'));
        assert.ok(read instanceof sdk.TimeoutError, `files.read: ${read.name}: ${read.message}`);
        assert.match(read.message, /sandbox timeout/);
        const list = await rejection(sbx.files.list('/home/user'));
        assert.ok(list instanceof sdk.TimeoutError, `files.list: ${list.name}: ${list.message}`);
        const connect = await rejection(sdk.Sandbox.connect(sbx.sandboxId, conn(t)));
        assert.ok(
          connect instanceof sdk.SandboxNotFoundError,
          `connect: ${connect.name}: ${connect.message}`,
        );
      });

      it('killing a sandbox while a command streams ends the command with "was killed"', async () => {
        const sbx = await createSdkSandbox(sdk, t);
        try {
          const seen: string[] = [];
          const running = sbx.commands.run('echo started; sleep 30; echo never', {
            onStdout: (d) => {
              seen.push(d);
            },
          });
          const failure = rejection(running);
          await waitFor('the command to start streaming', () =>
            seen.join('').includes('started') ? true : undefined,
          );
          assert.equal(await sdk.Sandbox.kill(sbx.sandboxId, conn(t)), true);
          const err = await failure;
          assert.ok(err instanceof sdk.TimeoutError, `${err.name}: ${err.message}`);
          assert.match(err.message, /was killed or reached its end of life while the request was in flight/);
          assert.ok(!seen.join('').includes('never'));
        } finally {
          await killQuietly(sdk, t, sbx.sandboxId);
        }
      });

      describe('paths stay inside the sandbox', () => {
        let sbx: SdkSandbox;
        const hostMarker = `/tmp/soulbox-sdk-host-marker-${process.pid}`;
        before(async () => {
          fs.writeFileSync(hostMarker, 'host only');
          sbx = await createSdkSandbox(sdk, t);
        });
        after(async () => {
          fs.rmSync(hostMarker, { force: true });
          if (sbx) await killQuietly(sdk, t, sbx.sandboxId);
        });

        it('".." cannot climb out of the sandbox root', async () => {
          // The sandbox's /etc/hostname holds its id; the host's holds something else.
          const inside = `${sbx.sandboxId}\n`;
          assert.equal((await sbx.commands.run('cat /etc/hostname')).stdout, inside);
          assert.equal(await sbx.files.read('/../../../etc/hostname'), inside);
          assert.equal(await sbx.files.read('../../../../etc/hostname'), inside, 'relative to /home/user');
          if (fs.existsSync('/etc/hostname'))
            assert.notEqual(fs.readFileSync('/etc/hostname', 'utf8'), inside);
          assert.notEqual(os.hostname(), sbx.sandboxId);

          const err = await rejection(sbx.files.read(`/../../..${hostMarker}`));
          assert.ok(err instanceof sdk.NotFoundError, `host file is invisible: ${err.name}: ${err.message}`);
          assert.equal(await sbx.files.exists(`/../..${hostMarker}`), false);

          const shadow = await sbx.files.read('/../../etc/shadow', { user: 'root' });
          assert.match(shadow, /^user:/m, "the sandbox's own /etc/shadow");
          if (fs.existsSync('/etc/shadow')) assert.notEqual(shadow, fs.readFileSync('/etc/shadow', 'utf8'));
        });

        it('a symlink to / resolves inside the sandbox', async () => {
          await sbx.commands.run('ln -sfn / /home/user/rootlink && ln -sfn ../../../.. /home/user/uplink');
          const inside = `${sbx.sandboxId}\n`;
          assert.equal(await sbx.files.read('/home/user/rootlink/etc/hostname'), inside);
          assert.equal(await sbx.files.read('/home/user/uplink/etc/hostname'), inside);
          const err = await rejection(sbx.files.read(`/home/user/rootlink${hostMarker}`));
          assert.ok(err instanceof sdk.NotFoundError, `${err.name}: ${err.message}`);

          await sbx.files.write('/home/user/rootlink/tmp/through-link.txt', 'written through a link');
          assert.equal(
            (await sbx.commands.run('cat /tmp/through-link.txt')).stdout,
            'written through a link',
          );
          assert.equal(fs.existsSync('/tmp/through-link.txt'), false, 'nothing landed on the host');
          const listed = await sbx.files.list('/home/user/rootlink');
          assert.ok(
            listed.some((e) => e.name === 'etc'),
            'listing the link lists the sandbox root',
          );
        });
      });

      it('a full disk makes writes fail with NotEnoughSpaceError', async () => {
        const warning = t.server.warnings.find((w) => /disk limits/i.test(w));
        if (warning) assert.fail(`disk limits are not enforced on this server: ${warning}`);
        await withSandbox(sdk, t, {}, async (sbx) => {
          // A 4 MiB pad, then fill the rest of the writable layer up to the limit.
          await sbx.commands.run('dd if=/dev/zero of=/home/user/pad bs=1M count=4 status=none');
          const fill = await sbx.commands
            .run(`dd if=/dev/zero of=/home/user/fill bs=1M count=${DISK_MIB * 2} status=none`)
            .then(
              () => undefined,
              (err: unknown) => err,
            );
          assert.ok(fill instanceof sdk.CommandExitError, 'dd stops at the limit');
          assert.match(fill.stderr, /No space left|Disk quota exceeded/);
          const used = Number((await sbx.commands.run('stat -c %s /home/user/fill')).stdout.trim());
          assert.ok(used <= DISK_MIB * 1024 * 1024, `no more than the limit was written (${used} bytes)`);

          // No room at all: the upload cannot even create its file.
          const full = await rejection(
            sbx.files.write('/home/user/after-full.bin', new Uint8Array(1024 * 1024).buffer),
          );
          assert.ok(full instanceof sdk.NotEnoughSpaceError, `${full.name}: ${full.message}`);

          // 4 MiB of room, 8 MiB upload: it fails part-way through.
          await sbx.commands.run('rm /home/user/pad');
          const partial = await rejection(
            sbx.files.write('/home/user/too-big.bin', new Uint8Array(8 * 1024 * 1024).buffer),
          );
          assert.ok(partial instanceof sdk.NotEnoughSpaceError, `${partial.name}: ${partial.message}`);

          await sbx.commands.run('rm -f /home/user/fill /home/user/too-big.bin');
          const ok = await sbx.files.write('/home/user/after-free.txt', 'room again');
          assert.equal(ok.path, '/home/user/after-free.txt');
          assert.equal(await sbx.files.read('/home/user/after-free.txt'), 'room again');
        });
      });
    });
  }
});

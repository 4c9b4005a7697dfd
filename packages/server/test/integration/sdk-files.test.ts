import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import {
  createSdkSandbox,
  killQuietly,
  rejection,
  SDKS,
  type SdkSandbox,
  sandboxHeaders,
  waitFor,
} from '../helpers/sdk.js';

const ENVD_PORT = 49983;

/**
 * GETs a URL through the server with an explicit Host header (fetch cannot set Host, and
 * `*.localhost` need not resolve here).
 */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        headers: { Host: host },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('SDK files', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  for (const { version, sdk } of SDKS) {
    describe(`e2b ${version}`, () => {
      // One sandbox for the block; every scenario works in its own directory.
      let sbx: SdkSandbox;
      before(async () => {
        sbx = await createSdkSandbox(sdk, t);
      });
      after(async () => {
        if (sbx) await killQuietly(sdk, t, sbx.sandboxId);
      });

      it('writes and reads text; relative paths resolve against /home/user', async () => {
        const info = await sbx.files.write('/home/user/text/hello.txt', 'hello, sandbox\n');
        assert.equal(info.name, 'hello.txt');
        assert.equal(info.path, '/home/user/text/hello.txt');
        assert.equal(info.type, sdk.FileType.FILE);
        assert.equal(await sbx.files.read('/home/user/text/hello.txt'), 'hello, sandbox\n');

        const rel = await sbx.files.write('text/relative.txt', 'relative');
        assert.equal(rel.path, '/home/user/text/relative.txt');
        assert.equal(await sbx.files.read('/home/user/text/relative.txt'), 'relative');
        assert.equal(await sbx.files.read('text/relative.txt'), 'relative');

        await sbx.files.write('/home/user/text/hello.txt', 'short');
        assert.equal(await sbx.files.read('/home/user/text/hello.txt'), 'short', 'a write truncates');
        await sbx.files.write('/home/user/text/empty.txt', '');
        assert.equal(await sbx.files.read('/home/user/text/empty.txt'), '');
        const unicode = 'ünïcödé ✓ 日本語\n';
        await sbx.files.write('/home/user/text/unicode.txt', unicode);
        assert.equal(await sbx.files.read('/home/user/text/unicode.txt'), unicode);
      });

      it('writes and reads bytes as ArrayBuffer, Blob, ReadableStream and gzip', async () => {
        const bytes = new Uint8Array([0, 1, 2, 253, 254, 255, 10, 13]);
        await sbx.files.write('/home/user/bin/ab.bin', bytes.slice().buffer);
        assert.deepEqual(await sbx.files.read('/home/user/bin/ab.bin', { format: 'bytes' }), bytes);

        await sbx.files.write('/home/user/bin/blob.bin', new Blob([bytes]));
        const blob = await sbx.files.read('/home/user/bin/blob.bin', { format: 'blob' });
        assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes);

        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.subarray(0, 3));
            controller.enqueue(bytes.subarray(3));
            controller.close();
          },
        });
        await sbx.files.write('/home/user/bin/stream.bin', stream);
        assert.deepEqual(await sbx.files.read('/home/user/bin/stream.bin', { format: 'bytes' }), bytes);

        await sbx.files.write('/home/user/bin/gzip.txt', 'compressed on the wire', { gzip: true });
        assert.equal(await sbx.files.read('/home/user/bin/gzip.txt'), 'compressed on the wire');
      });

      it('round-trips 1 MiB of random bytes unchanged', async () => {
        const data = new Uint8Array(randomBytes(1024 * 1024));
        await sbx.files.write('/home/user/big/random.bin', data.slice().buffer);
        const back = await sbx.files.read('/home/user/big/random.bin', { format: 'bytes' });
        assert.equal(back.length, data.length);
        assert.ok(Buffer.from(back).equals(Buffer.from(data)), 'the bytes read back equal the bytes written');
        const size = await sbx.commands.run('stat -c %s /home/user/big/random.bin');
        assert.equal(size.stdout.trim(), String(data.length));
      });

      it('writes many files in one call', async () => {
        const infos = await sbx.files.write([
          { path: '/home/user/multi/a.txt', data: 'A' },
          { path: 'multi/nested/b.txt', data: 'B' },
          { path: '/home/user/multi/c.bin', data: new Uint8Array([99]).buffer },
        ]);
        assert.deepEqual(infos.map((i) => i.path).sort(), [
          '/home/user/multi/a.txt',
          '/home/user/multi/c.bin',
          '/home/user/multi/nested/b.txt',
        ]);
        assert.equal(await sbx.files.read('/home/user/multi/a.txt'), 'A');
        assert.equal(await sbx.files.read('/home/user/multi/nested/b.txt'), 'B');
        assert.equal(await sbx.files.read('/home/user/multi/c.bin'), 'c');
      });

      it('lists a directory at depth 1 and 2, in order, with types', async () => {
        await sbx.commands.run(
          'mkdir -p tree/subdir1/subdir1_1 tree/subdir1/subdir1_2 tree/subdir2 && echo 1 > tree/file1.txt && echo 2 > tree/subdir2/file2.txt',
        );
        const one = await sbx.files.list('/home/user/tree');
        assert.deepEqual(
          one.map((e) => [e.name, e.type, e.path]),
          [
            ['file1.txt', sdk.FileType.FILE, '/home/user/tree/file1.txt'],
            ['subdir1', sdk.FileType.DIR, '/home/user/tree/subdir1'],
            ['subdir2', sdk.FileType.DIR, '/home/user/tree/subdir2'],
          ],
        );
        const two = await sbx.files.list('tree', { depth: 2 });
        assert.deepEqual(
          two.map((e) => e.path),
          [
            '/home/user/tree/file1.txt',
            '/home/user/tree/subdir1',
            '/home/user/tree/subdir1/subdir1_1',
            '/home/user/tree/subdir1/subdir1_2',
            '/home/user/tree/subdir2',
            '/home/user/tree/subdir2/file2.txt',
          ],
        );
        assert.deepEqual(
          two.map((e) => e.type),
          [
            sdk.FileType.FILE,
            sdk.FileType.DIR,
            sdk.FileType.DIR,
            sdk.FileType.DIR,
            sdk.FileType.DIR,
            sdk.FileType.FILE,
          ],
        );
        const missing = await rejection(sbx.files.list('/home/user/no-such-dir'));
        assert.ok(missing instanceof sdk.NotFoundError, `${missing.name}: ${missing.message}`);
      });

      it('makeDir creates parents and says false when the directory exists', async () => {
        assert.equal(await sbx.files.makeDir('/home/user/made/a/b'), true);
        assert.equal(await sbx.files.makeDir('/home/user/made/a/b'), false);
        const info = await sbx.files.getInfo('/home/user/made/a');
        assert.equal(info.type, sdk.FileType.DIR);
        assert.equal(info.owner, 'user');
        assert.equal(info.permissions, 'drwxr-xr-x');
      });

      it('exists, remove, rename', async () => {
        await sbx.files.write('/home/user/ops/file.txt', 'content');
        assert.equal(await sbx.files.exists('/home/user/ops/file.txt'), true);
        assert.equal(await sbx.files.exists('/home/user/ops/nothing.txt'), false);

        const moved = await sbx.files.rename('/home/user/ops/file.txt', '/home/user/ops/moved/renamed.txt');
        assert.equal(moved.path, '/home/user/ops/moved/renamed.txt');
        assert.equal(moved.name, 'renamed.txt');
        assert.equal(await sbx.files.exists('/home/user/ops/file.txt'), false);
        assert.equal(await sbx.files.read('/home/user/ops/moved/renamed.txt'), 'content');
        const missing = await rejection(sbx.files.rename('/home/user/ops/gone.txt', '/home/user/ops/x.txt'));
        assert.ok(missing instanceof sdk.NotFoundError, `${missing.name}: ${missing.message}`);

        await sbx.files.remove('/home/user/ops/moved/renamed.txt');
        assert.equal(await sbx.files.exists('/home/user/ops/moved/renamed.txt'), false);
        await sbx.files.remove('/home/user/ops');
        assert.equal(
          await sbx.files.exists('/home/user/ops'),
          false,
          'a directory is removed with its contents',
        );
        await sbx.files.remove('/home/user/ops/never-existed');
      });

      it('getInfo gives type, size, owner and permissions; missing files are FileNotFoundError', async () => {
        await sbx.files.write('/home/user/info/five.txt', '12345');
        const info = await sbx.files.getInfo('/home/user/info/five.txt');
        assert.equal(info.name, 'five.txt');
        assert.equal(info.path, '/home/user/info/five.txt');
        assert.equal(info.type, sdk.FileType.FILE);
        assert.equal(info.size, 5);
        assert.equal(info.owner, 'user');
        assert.equal(info.group, 'user');
        assert.equal(info.permissions, '-rw-r--r--');
        assert.equal(info.mode, 0o644);
        assert.ok(info.modifiedTime instanceof Date);
        assert.ok(Math.abs(info.modifiedTime.getTime() - Date.now()) < 120_000, 'mtime is recent');

        const err = await rejection(sbx.files.getInfo('/home/user/info/missing.txt'));
        assert.ok(err instanceof sdk.FileNotFoundError, `${err.name}: ${err.message}`);
        const readErr = await rejection(sbx.files.read('/home/user/info/missing.txt'));
        assert.ok(readErr instanceof sdk.NotFoundError, `${readErr.name}: ${readErr.message}`);
      });

      it('files written by default belong to user; root writes belong to root', async () => {
        await sbx.files.write('/home/user/owned/by-user/file.txt', 'x');
        const st = await sbx.commands.run(
          'stat -c %U:%G /home/user/owned/by-user/file.txt /home/user/owned/by-user /home/user/owned',
        );
        assert.deepEqual(st.stdout.trim().split('\n'), ['user:user', 'user:user', 'user:user']);
        await sbx.files.write('/root/by-root.txt', 'r', { user: 'root' });
        const rootSt = await sbx.commands.run('stat -c %U:%G /root/by-root.txt', { user: 'root' });
        assert.equal(rootSt.stdout.trim(), 'root:root');
      });

      it('watchDir reports create and write events, recursively into new subdirectories', async () => {
        await sbx.files.makeDir('/home/user/watched');
        const events: { name: string; type: string }[] = [];
        const has = (name: string, type: string) => events.some((e) => e.name === name && e.type === type);
        const handle = await sbx.files.watchDir(
          '/home/user/watched',
          (e) => {
            events.push({ name: e.name, type: e.type });
          },
          { recursive: true },
        );
        try {
          await sbx.files.write('/home/user/watched/file.txt', 'one');
          await waitFor('a create event for file.txt', () =>
            has('file.txt', sdk.FilesystemEventType.CREATE) ? true : undefined,
          );
          await sbx.files.write('/home/user/watched/file.txt', 'two');
          await waitFor('a write event for file.txt', () =>
            has('file.txt', sdk.FilesystemEventType.WRITE) ? true : undefined,
          );
          await sbx.files.makeDir('/home/user/watched/sub');
          await waitFor('a create event for sub', () =>
            has('sub', sdk.FilesystemEventType.CREATE) ? true : undefined,
          );
          await sbx.files.write('/home/user/watched/sub/nested.txt', 'deep');
          await waitFor(`a create event for sub/nested.txt (got ${JSON.stringify(events)})`, () =>
            has('sub/nested.txt', sdk.FilesystemEventType.CREATE) ? true : undefined,
          );
          await sbx.files.remove('/home/user/watched/file.txt');
          await waitFor('a remove event for file.txt', () =>
            has('file.txt', sdk.FilesystemEventType.REMOVE) ? true : undefined,
          );
        } finally {
          await handle.stop();
        }
        const missing = await rejection(sbx.files.watchDir('/home/user/not-there', () => {}));
        assert.ok(missing instanceof sdk.NotFoundError, `${missing.name}: ${missing.message}`);
      });

      it('signed upload and download URLs work without the access token; expired ones are refused', async () => {
        const headers = sandboxHeaders(sbx.sandboxId, ENVD_PORT);
        const uploadUrl = await sbx.uploadUrl('/home/user/signed/hello.txt');
        assert.match(uploadUrl, /[?&]signature=v1_/, 'a secured sandbox signs its URLs');
        const form = new FormData();
        form.append('file', 'uploaded through a signed URL');
        const up = await fetch(uploadUrl, { method: 'POST', body: form, headers });
        assert.equal(up.status, 200, await up.clone().text());
        assert.deepEqual(await up.json(), [
          { name: 'hello.txt', path: '/home/user/signed/hello.txt', type: 'file' },
        ]);
        assert.equal(await sbx.files.read('/home/user/signed/hello.txt'), 'uploaded through a signed URL');

        const downloadUrl = await sbx.downloadUrl('/home/user/signed/hello.txt');
        const down = await fetch(downloadUrl, { headers });
        assert.equal(down.status, 200);
        assert.equal(await down.text(), 'uploaded through a signed URL');
        // The same URL routed by host name, the way E2B's own `49983-<id>.<domain>` URLs are.
        const byHost = await getWithHost(downloadUrl, `${ENVD_PORT}-${sbx.sandboxId}.localhost`);
        assert.equal(byHost.status, 200);
        assert.equal(byHost.body, 'uploaded through a signed URL');

        const rootUrl = await sbx.uploadUrl('hello-root.txt', { user: 'root' });
        const rootForm = new FormData();
        rootForm.append('file', 'as root');
        const rootUp = await fetch(rootUrl, { method: 'POST', body: rootForm, headers });
        assert.equal(rootUp.status, 200, await rootUp.clone().text());
        assert.deepEqual(await rootUp.json(), [
          { name: 'hello-root.txt', path: '/root/hello-root.txt', type: 'file' },
        ]);

        const unsigned = new URL(downloadUrl);
        unsigned.searchParams.delete('signature');
        const noSig = await fetch(unsigned, { headers });
        assert.equal(noSig.status, 401, 'no token and no signature');
        const forged = new URL(downloadUrl);
        forged.searchParams.set('path', '/home/user/signed/other.txt');
        assert.equal((await fetch(forged, { headers })).status, 401, 'the signature covers the path');

        const expiredUrl = await sbx.downloadUrl('/home/user/signed/hello.txt', {
          useSignatureExpiration: -10,
        });
        const expired = await fetch(expiredUrl, { headers });
        assert.equal(expired.status, 401);
        const body = (await expired.json()) as { code: number; message: string };
        assert.equal(body.code, 401);
        assert.match(body.message, /expired/);
        const validUrl = await sbx.downloadUrl('/home/user/signed/hello.txt', { useSignatureExpiration: 60 });
        assert.equal((await fetch(validUrl, { headers })).status, 200, 'an unexpired signature works');
      });
    });
  }
});

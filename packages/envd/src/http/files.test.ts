import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isRoot, startTestEnvd, type TestEnvd, testAccount } from '../testing/envd-fixture.js';

const TESTER = testAccount('tester');

/** A multipart body exactly as fetch/undici (and so the e2b SDK) encodes FormData. */
async function multipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const request = new Request('http://envd/files', { method: 'POST', body: form });
  return {
    body: Buffer.from(await request.arrayBuffer()),
    contentType: request.headers.get('content-type') ?? '',
  };
}

function json(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

const q = (params: Record<string, string>) => `/files?${new URLSearchParams(params)}`;

describe('/files', () => {
  let t: TestEnvd;
  let home: string;
  before(async () => {
    t = await startTestEnvd({ testUsers: [TESTER] });
    home = t.homes.tester as string;
  });
  after(async () => {
    await t.close();
  });

  it('uploads a raw octet-stream body as the user, creating parents, mode 0644', async () => {
    const path = join(t.workDir, 'raw/nested/a.txt');
    const res = await t.http(q({ path, username: 'tester' }), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'raw body',
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(json(res.body), [{ path, name: 'a.txt', type: 'file' }]);
    assert.equal(readFileSync(path, 'utf8'), 'raw body');
    const st = statSync(path);
    assert.equal(st.mode & 0o777, 0o644);
    if (isRoot) {
      assert.deepEqual([st.uid, st.gid], [TESTER.uid, TESTER.gid]);
      assert.equal(statSync(join(t.workDir, 'raw')).uid, TESTER.uid);
      assert.equal(statSync(join(t.workDir, 'raw')).mode & 0o777, 0o755);
    }
  });

  it('uploads multipart files by path query, by full filename, relative to home', async () => {
    const form = new FormData();
    form.append('file', new Blob(['bee']), join(t.workDir, 'multi/b.txt'));
    form.append('file', new Blob(['sea']), 'rel/c.txt');
    form.append('other', 'ignored');
    const { body, contentType } = await multipart(form);
    const res = await t.http(q({ username: 'tester' }), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    assert.equal(res.status, 200, res.body.toString());
    assert.deepEqual(json(res.body), [
      { path: join(t.workDir, 'multi/b.txt'), name: 'b.txt', type: 'file' },
      { path: join(home, 'rel/c.txt'), name: 'c.txt', type: 'file' },
    ]);
    assert.equal(readFileSync(join(home, 'rel/c.txt'), 'utf8'), 'sea');

    const single = new FormData();
    single.append('file', new Blob(['one']), '/ignored/because/path/is/given');
    const s = await multipart(single);
    const target = join(t.workDir, 'single.txt');
    const res2 = await t.http(q({ path: target }), {
      method: 'POST',
      headers: { 'content-type': s.contentType },
      body: s.body,
    });
    assert.deepEqual(json(res2.body), [{ path: target, name: 'single.txt', type: 'file' }]);
  });

  it('accepts a string part without filename (signed-URL upload test)', async () => {
    const form = new FormData();
    form.append('file', 'file content');
    const { body, contentType } = await multipart(form);
    const res = await t.http(q({ path: 'hello.txt', username: 'tester' }), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(json(res.body), [{ name: 'hello.txt', path: join(home, 'hello.txt'), type: 'file' }]);
    assert.equal(readFileSync(join(home, 'hello.txt'), 'utf8'), 'file content');

    const noName = await t.http(q({ username: 'tester' }), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    assert.equal(noName.status, 400);
    assert.equal((json(noName.body) as { code: number }).code, 400);
  });

  it('refuses two parts for the same path, unknown content types, raw uploads without path', async () => {
    const form = new FormData();
    form.append('file', new Blob(['1']), 'dup.txt');
    form.append('file', new Blob(['2']), 'dup.txt');
    const { body, contentType } = await multipart(form);
    const dup = await t.http(q({ username: 'tester' }), {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    assert.equal(dup.status, 400);
    assert.match(
      (json(dup.body) as { message: string }).message,
      /cannot upload multiple files to the same path/,
    );

    const text = await t.http(q({ path: 'x.txt' }), {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    assert.equal(text.status, 400);
    const noPath = await t.http('/files', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    assert.deepEqual(json(noPath.body), {
      code: 400,
      message: 'path query parameter is required for raw body upload',
    });
    const dir = await t.http(q({ path: t.workDir }), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    assert.equal(dir.status, 400);
  });

  it('decompresses gzip request bodies (raw and multipart)', async () => {
    const path = join(t.workDir, 'gz.txt');
    const raw = await t.http(q({ path }), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      body: gzipSync('zipped content'),
    });
    assert.equal(raw.status, 200);
    assert.equal(readFileSync(path, 'utf8'), 'zipped content');

    const form = new FormData();
    form.append('file', new Blob(['zipped part']), join(t.workDir, 'gz-part.txt'));
    const m = await multipart(form);
    const res = await t.http('/files', {
      method: 'POST',
      headers: { 'content-type': m.contentType, 'content-encoding': 'gzip' },
      body: gzipSync(m.body),
    });
    assert.equal(res.status, 200);
    assert.equal(readFileSync(join(t.workDir, 'gz-part.txt'), 'utf8'), 'zipped part');

    const bad = await t.http(q({ path }), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' },
      body: 'not gzip',
    });
    assert.equal(bad.status, 400);
    const br = await t.http(q({ path }), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'br' },
      body: 'x',
    });
    assert.equal(br.status, 400);
  });

  it('stores X-Metadata-* headers as user.e2b.* xattrs, replacing earlier metadata', async () => {
    const path = join(t.workDir, 'meta.txt');
    const upload = (headers: Record<string, string>) =>
      t.http(q({ path }), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', ...headers },
        body: 'm',
      });
    const res = await upload({ 'X-Metadata-Owner-Team': 'core', 'x-metadata-stage': 'dev' });
    assert.equal(res.status, 200);
    assert.deepEqual(json(res.body), [
      { path, name: 'meta.txt', type: 'file', metadata: { 'owner-team': 'core', stage: 'dev' } },
    ]);
    const { entry } = await t.filesystem.stat({ path });
    assert.deepEqual(entry?.metadata, { 'owner-team': 'core', stage: 'dev' });
    const native = t.envd.native;
    assert.equal(native.getxattr(path, 'user.e2b.stage')?.toString(), 'dev');

    await upload({ 'x-metadata-stage': 'prod' });
    assert.deepEqual((await t.filesystem.stat({ path })).entry?.metadata, { stage: 'prod' });
    await upload({});
    assert.deepEqual((await t.filesystem.stat({ path })).entry?.metadata, {});

    const bad = await upload({ 'x-metadata-key': 'caf\u00e9' });
    assert.equal(bad.status, 400);
  });

  it('downloads with Content-Length, Content-Disposition and Content-Type', async () => {
    const path = join(t.workDir, 'down load.txt');
    writeFileSync(path, 'download me');
    const res = await t.http(q({ path }));
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'download me');
    assert.equal(res.headers['content-length'], '11');
    assert.equal(res.headers['content-disposition'], 'inline; filename="down load.txt"');
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['accept-ranges'], 'bytes');

    writeFileSync(join(t.workDir, 'empty.bin'), '');
    const empty = await t.http(q({ path: join(t.workDir, 'empty.bin') }));
    assert.equal(empty.status, 200);
    assert.equal(empty.headers['content-length'], '0');
    assert.equal(empty.headers['content-disposition'], 'inline; filename=empty.bin');
  });

  it('answers 404, 400 and 401 as JSON', async () => {
    const missing = join(t.workDir, 'missing.txt');
    const notFound = await t.http(q({ path: missing }));
    assert.equal(notFound.status, 404);
    assert.match(String(notFound.headers['content-type']), /^application\/json/);
    assert.deepEqual(json(notFound.body), { code: 404, message: `path '${missing}' does not exist` });
    const dir = await t.http(q({ path: t.workDir }));
    assert.equal(dir.status, 400);
    const fifo = join(t.workDir, 'a.fifo');
    execFileSync('mkfifo', [fifo]);
    assert.equal((await t.http(q({ path: fifo }))).status, 400, 'a FIFO must not block the download');
    const upload = await t.http(q({ path: fifo }), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'x',
    });
    assert.equal(upload.status, 400, 'nor the upload');
    const who = await t.http(q({ path: missing, username: 'ghost' }));
    assert.equal(who.status, 401);
    assert.equal((json(who.body) as { code: number }).code, 401);
  });

  it('serves byte ranges and conditional requests', async () => {
    const path = join(t.workDir, 'range.txt');
    writeFileSync(path, '0123456789');
    const part = await t.http(q({ path }), { headers: { range: 'bytes=2-4' } });
    assert.equal(part.status, 206);
    assert.equal(part.body.toString(), '234');
    assert.equal(part.headers['content-range'], 'bytes 2-4/10');
    const suffix = await t.http(q({ path }), { headers: { range: 'bytes=-3' } });
    assert.equal(suffix.body.toString(), '789');
    const open = await t.http(q({ path }), { headers: { range: 'bytes=7-' } });
    assert.equal(open.body.toString(), '789');
    const beyond = await t.http(q({ path }), { headers: { range: 'bytes=50-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], 'bytes */10');

    const first = await t.http(q({ path }));
    const lastModified = String(first.headers['last-modified']);
    const cached = await t.http(q({ path }), { headers: { 'if-modified-since': lastModified } });
    assert.equal(cached.status, 304);
  });

  it('compresses only when Accept-Encoding is exactly gzip', async () => {
    const path = join(t.workDir, 'big.txt');
    writeFileSync(path, 'abc'.repeat(10_000));
    const gz = await t.http(q({ path }), { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), 'abc'.repeat(10_000));
    const plain = await t.http(q({ path }), { headers: { 'accept-encoding': 'gzip, deflate' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.body.length, 30_000);
  });

  it('resolves download paths for the user, default workdir for an empty path', async () => {
    mkdirSync(join(home, 'docs'), { recursive: true });
    writeFileSync(join(home, 'docs/readme.md'), '# hi');
    const res = await t.http(q({ path: '~/docs/readme.md', username: 'tester' }));
    assert.equal(res.body.toString(), '# hi');
    assert.equal(res.headers['content-type'], 'text/markdown; charset=utf-8');
  });
});

describe('envd plain endpoints', () => {
  let t: TestEnvd;
  before(async () => {
    t = await startTestEnvd({ envVars: { GLOBAL: '1' } });
  });
  after(async () => {
    await t.close();
  });

  it('GET /health is 204, GET /envs the sandbox env vars, unknown paths 404 JSON', async () => {
    const health = await t.http('/health');
    assert.equal(health.status, 204);
    assert.equal(health.body.length, 0);
    const envs = await t.http('/envs');
    assert.deepEqual(json(envs.body), {
      E2B_SANDBOX: 'true',
      E2B_SANDBOX_ID: 'testsandbox',
      E2B_TEMPLATE_ID: 'testtemplate',
      GLOBAL: '1',
    });
    const unknown = await t.http('/nope');
    assert.equal(unknown.status, 404);
    assert.equal((json(unknown.body) as { code: number }).code, 404);
  });
});

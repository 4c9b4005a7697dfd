import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { type EntryInfo, EventType, FileType, type WatchDirResponse } from '@soulbox/proto';
import {
  basicAuth,
  defaultAccount,
  isRoot,
  startTestEnvd,
  type TestEnvd,
  testAccount,
  waitFor,
} from '../testing/envd-fixture.js';

const TESTER = testAccount('tester');

async function expectCode(promise: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  try {
    await promise;
  } catch (error) {
    const ce = ConnectError.from(error);
    assert.equal(Code[ce.code], Code[code], ce.rawMessage);
    if (message) assert.match(ce.rawMessage, message);
    return;
  }
  assert.fail(`expected ${Code[code]}`);
}

/** Collects filesystem events of a WatchDir stream in the background. */
function watch(stream: AsyncIterable<WatchDirResponse>) {
  const events: { name: string; type: EventType; entry?: EntryInfo | undefined }[] = [];
  const kinds: string[] = [];
  let failure: unknown;
  let resolveStart: () => void = () => {};
  const started = new Promise<void>((r) => {
    resolveStart = r;
  });
  const done = (async () => {
    try {
      for await (const message of stream) {
        kinds.push(message.event.case ?? 'none');
        if (message.event.case === 'start') resolveStart();
        if (message.event.case === 'filesystem') {
          const { name, type, entry } = message.event.value;
          events.push({ name, type, entry });
        }
      }
    } catch (error) {
      failure = error;
      resolveStart();
    }
  })();
  return {
    events,
    kinds,
    started,
    done,
    get failure() {
      return failure;
    },
    has: (name: string, type: EventType) => events.some((e) => e.name === name && e.type === type),
  };
}

describe('filesystem.Filesystem', () => {
  let t: TestEnvd;
  let dir: string;
  before(async () => {
    t = await startTestEnvd({ testUsers: [TESTER] });
    dir = t.workDir;
  });
  after(async () => {
    await t.close();
  });

  it('stats a file like upstream EntryInfo', async () => {
    const path = join(dir, 'stat.txt');
    writeFileSync(path, 'hello');
    chmodSync(path, 0o644);
    const { entry } = await t.filesystem.stat({ path });
    assert.equal(entry?.name, 'stat.txt');
    assert.equal(entry?.type, FileType.FILE);
    assert.equal(entry?.path, path);
    assert.equal(entry?.size, 5n);
    assert.equal(entry?.mode, 0o644);
    assert.equal(entry?.permissions, '-rw-r--r--');
    assert.equal(entry?.owner, t.users.userName(defaultAccount.uid));
    assert.equal(entry?.group, t.users.groupName(defaultAccount.gid));
    assert.equal(entry?.symlinkTarget, undefined);
    const mtime = Number(entry?.modifiedTime?.seconds) * 1000;
    assert.ok(Math.abs(mtime - statSync(path).mtimeMs) < 1500);
    await expectCode(t.filesystem.stat({ path: join(dir, 'missing') }), Code.NotFound);
  });

  it('describes symlinks by their target, dangling ones as symlinks', async () => {
    const target = join(dir, 'target-dir');
    mkdirSync(target, { mode: 0o755 });
    symlinkSync(target, join(dir, 'link'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    const { entry } = await t.filesystem.stat({ path: join(dir, 'link') });
    assert.equal(entry?.type, FileType.DIRECTORY);
    assert.equal(entry?.symlinkTarget, target);
    assert.equal(entry?.mode, 0o755);
    assert.equal(entry?.permissions, 'Lrwxrwxrwx');
    const dangling = await t.filesystem.stat({ path: join(dir, 'dangling') });
    assert.equal(dangling.entry?.type, FileType.SYMLINK);
  });

  it('lists depth-first in lexical order, depth-limited, without following symlinks', async () => {
    const root = join(dir, 'tree');
    for (const d of ['subdir1/subdir1_1/deep', 'subdir1/subdir1_2', 'subdir2'])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'file1.txt'), 'x');
    writeFileSync(join(root, 'subdir1', 'b.txt'), 'x');
    symlinkSync(join(root, 'subdir1'), join(root, 'subdir3-link'));
    const names = async (depth: number) =>
      (await t.filesystem.listDir({ path: root, depth })).entries.map((e) => e.path.slice(root.length + 1));
    assert.deepEqual(await names(1), ['file1.txt', 'subdir1', 'subdir2', 'subdir3-link']);
    assert.deepEqual(await names(0), await names(1));
    assert.deepEqual(await names(2), [
      'file1.txt',
      'subdir1',
      'subdir1/b.txt',
      'subdir1/subdir1_1',
      'subdir1/subdir1_2',
      'subdir2',
      'subdir3-link',
    ]);
    const viaLink = await t.filesystem.listDir({ path: join(root, 'subdir3-link'), depth: 1 });
    assert.deepEqual(
      viaLink.entries.map((e) => e.path),
      ['b.txt', 'subdir1_1', 'subdir1_2'].map((n) => join(root, 'subdir3-link', n)),
    );
    await expectCode(t.filesystem.listDir({ path: join(root, 'nope'), depth: 1 }), Code.NotFound);
    await expectCode(t.filesystem.listDir({ path: join(root, 'file1.txt'), depth: 1 }), Code.InvalidArgument);
  });

  it('makes directories with parents, owned by the user, mode 0755', async () => {
    const headers = basicAuth('tester');
    const { entry } = await t.filesystem.makeDir({ path: join(dir, 'made/a/b') }, { headers });
    assert.equal(entry?.type, FileType.DIRECTORY);
    assert.equal(entry?.permissions, 'drwxr-xr-x');
    if (isRoot) {
      for (const d of ['made', 'made/a', 'made/a/b']) {
        const st = statSync(join(dir, d));
        assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [TESTER.uid, TESTER.gid, 0o755], d);
      }
      assert.equal(entry?.owner, 'tester');
    }
    await expectCode(t.filesystem.makeDir({ path: join(dir, 'made/a') }), Code.AlreadyExists);
    writeFileSync(join(dir, 'plain-file'), '');
    await expectCode(t.filesystem.makeDir({ path: join(dir, 'plain-file') }), Code.InvalidArgument);
  });

  it('resolves ~, relative and empty paths for the user', async () => {
    const headers = basicAuth('tester');
    const home = t.homes.tester as string;
    writeFileSync(join(home, 'in-home.txt'), 'x');
    assert.equal(
      (await t.filesystem.stat({ path: '~/in-home.txt' }, { headers })).entry?.path,
      join(home, 'in-home.txt'),
    );
    assert.equal(
      (await t.filesystem.stat({ path: 'in-home.txt' }, { headers })).entry?.path,
      join(home, 'in-home.txt'),
    );
    assert.equal((await t.filesystem.stat({ path: '' }, { headers })).entry?.path, t.workDir);
    await expectCode(t.filesystem.stat({ path: '~root/x' }, { headers }), Code.InvalidArgument);
    await expectCode(t.filesystem.stat({ path: '' }, { headers: basicAuth('ghost') }), Code.Unauthenticated);
  });

  it('moves, creating destination parents, and removes like rm -rf', async () => {
    writeFileSync(join(dir, 'move-me.txt'), 'data');
    const { entry } = await t.filesystem.move({
      source: join(dir, 'move-me.txt'),
      destination: join(dir, 'moved/deeper/there.txt'),
    });
    assert.equal(entry?.path, join(dir, 'moved/deeper/there.txt'));
    assert.equal(entry?.name, 'there.txt');
    assert.equal(readFileSync(join(dir, 'moved/deeper/there.txt'), 'utf8'), 'data');
    await expectCode(
      t.filesystem.move({ source: join(dir, 'no-such'), destination: join(dir, 'x') }),
      Code.NotFound,
    );
    await t.filesystem.remove({ path: join(dir, 'moved') });
    assert.throws(() => statSync(join(dir, 'moved')));
    await t.filesystem.remove({ path: join(dir, 'moved') });
  });

  it('watches a directory: start first, then create/write/chmod/rename/remove with relative names', async () => {
    const root = join(dir, 'watched');
    mkdirSync(root);
    writeFileSync(join(root, 'existing.txt'), 'old');
    const abort = new AbortController();
    const w = watch(t.filesystem.watchDir({ path: root }, { signal: abort.signal }));
    await w.started;
    assert.equal(w.kinds[0], 'start');
    writeFileSync(join(root, 'new.txt'), 'x');
    writeFileSync(join(root, 'existing.txt'), 'new');
    chmodSync(join(root, 'existing.txt'), 0o600);
    renameSync(join(root, 'new.txt'), join(root, 'renamed.txt'));
    unlinkSync(join(root, 'renamed.txt'));
    await waitFor(() => w.has('renamed.txt', EventType.REMOVE), 3000, 'remove event');
    assert.ok(w.has('new.txt', EventType.CREATE));
    assert.ok(w.has('existing.txt', EventType.WRITE));
    assert.ok(w.has('existing.txt', EventType.CHMOD));
    assert.ok(w.has('new.txt', EventType.RENAME));
    assert.ok(w.has('renamed.txt', EventType.CREATE));
    abort.abort();
    await w.done;
  });

  it('watches recursively, adding new subdirectories, with entries when asked', async () => {
    const root = join(dir, 'watched-rec');
    mkdirSync(join(root, 'pre/existing'), { recursive: true });
    const abort = new AbortController();
    const w = watch(
      t.filesystem.watchDir({ path: root, recursive: true, includeEntry: true }, { signal: abort.signal }),
    );
    await w.started;
    writeFileSync(join(root, 'pre/existing/a.txt'), 'a');
    mkdirSync(join(root, 'sub'));
    await waitFor(() => w.has('sub', EventType.CREATE), 3000, 'subdir create');
    writeFileSync(join(root, 'sub/nested.txt'), 'n');
    await waitFor(() => w.has('sub/nested.txt', EventType.CREATE), 3000, 'nested create');
    assert.ok(w.has('pre/existing/a.txt', EventType.CREATE));
    const created = w.events.find((e) => e.name === 'sub/nested.txt' && e.type === EventType.CREATE);
    assert.equal(created?.entry?.name, 'nested.txt');
    assert.equal(created?.entry?.path, join(root, 'sub/nested.txt'));
    abort.abort();
    await w.done;
  });

  it('reports a WRITE when /files overwrites a watched file', async () => {
    const root = join(dir, 'watched-upload');
    mkdirSync(root);
    writeFileSync(join(root, 'f.txt'), 'v1');
    const abort = new AbortController();
    const w = watch(t.filesystem.watchDir({ path: root }, { signal: abort.signal }));
    await w.started;
    const res = await t.http(`/files?path=${encodeURIComponent(join(root, 'f.txt'))}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'v2',
    });
    assert.equal(res.status, 200);
    await waitFor(() => w.has('f.txt', EventType.WRITE), 3000, 'write event');
    abort.abort();
    await w.done;
  });

  it('refuses to watch missing paths and files, in-stream', async () => {
    const missing = watch(t.filesystem.watchDir({ path: join(dir, 'missing-dir') }));
    await missing.done;
    assert.equal(ConnectError.from(missing.failure).code, Code.NotFound);
    writeFileSync(join(dir, 'a-file'), '');
    const file = watch(t.filesystem.watchDir({ path: join(dir, 'a-file') }));
    await file.done;
    assert.equal(ConnectError.from(file.failure).code, Code.InvalidArgument);
  });

  it('sends keepalives on an idle watch', async () => {
    const root = join(dir, 'watched-idle');
    mkdirSync(root);
    const abort = new AbortController();
    const w = watch(
      t.filesystem.watchDir(
        { path: root },
        { signal: abort.signal, headers: { 'Keepalive-Ping-Interval': '1' } },
      ),
    );
    await waitFor(() => w.kinds.includes('keepalive'), 3000, 'keepalive');
    abort.abort();
    await w.done;
  });

  it('supports polling watchers', async () => {
    const root = join(dir, 'polled');
    mkdirSync(root);
    const { watcherId } = await t.filesystem.createWatcher({ path: root, recursive: false });
    assert.match(watcherId, /^w/);
    writeFileSync(join(root, 'p.txt'), 'x');
    let names: string[] = [];
    await waitFor(async () => {
      const { events } = await t.filesystem.getWatcherEvents({ watcherId });
      names = names.concat(events.map((e) => `${e.name}:${EventType[e.type]}`));
      return names.includes('p.txt:CREATE');
    }, 3000);
    await t.filesystem.removeWatcher({ watcherId });
    await expectCode(t.filesystem.getWatcherEvents({ watcherId }), Code.NotFound);
    await expectCode(t.filesystem.createWatcher({ path: join(root, 'nope') }), Code.NotFound);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Template } from 'e2b';
import * as tar from 'tar';
import { checkContext, contextDigests, SOULBOX_HASH_PREFIX } from './context-digest.js';

/** A build context with fixed contents and modes (umask and clock do not matter). */
function makeContext(dir: string): void {
  fs.mkdirSync(path.join(dir, 'app', 'lib'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'app', 'main.sh'), '#!/bin/sh\necho hi\n');
  fs.writeFileSync(path.join(dir, 'app', 'lib', 'data.txt'), 'data\n');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'notes\n');
  fs.symlinkSync('main.sh', path.join(dir, 'app', 'run'));
  fs.chmodSync(path.join(dir, 'app', 'main.sh'), 0o755);
  fs.chmodSync(path.join(dir, 'app', 'lib', 'data.txt'), 0o644);
  fs.chmodSync(path.join(dir, 'notes.txt'), 0o600);
  fs.chmodSync(path.join(dir, 'app', 'lib'), 0o755);
  fs.chmodSync(path.join(dir, 'app'), 0o755);
}

/** The archive the e2b SDK uploads (`spoolTarArchive`): its file list, not portable, gzip optional. */
async function e2bArchive(dir: string, files: string[], out: string, gzip: boolean): Promise<string> {
  await tar.c({ cwd: dir, gzip, noDirRecurse: true, file: out }, files);
  return out;
}

/** The e2b SDK's own files hash of one COPY (what `Template.build` declares). */
async function e2bHash(dir: string, src: string, dest: string): Promise<string> {
  const text = await Template.toJSON(Template({ fileContextPath: dir }).fromTemplate('base').copy(src, dest));
  const json = JSON.parse(String(text)) as { steps: { filesHash?: string }[] };
  return json.steps[0]?.filesHash ?? '';
}

describe('uploaded build contexts', () => {
  let dir: string;
  let scratch: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-ctx-'));
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-ctx-out-'));
    makeContext(dir);
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  it("gives SoulBox's digest of an archive as @soulbox/sdk makes it (the SDK test pins the same value)", async () => {
    const file = path.join(scratch, 'sdk.tar.gz');
    await tar.c({ cwd: dir, gzip: true, portable: true, noDirRecurse: true, file }, [
      'app',
      'app/lib',
      'app/lib/data.txt',
      'app/main.sh',
      'app/run',
    ]);
    const d = await contextDigests(file, { src: 'app', srcAsWritten: 'app', dest: '/opt/app' });
    assert.equal(d.soulbox, SOULBOX_APP_DIGEST);
    // Directories: E2B's hash covers their on-disk size, which no archive carries.
    assert.equal(d.e2b, undefined);
    assert.deepEqual(checkContext(`${SOULBOX_HASH_PREFIX}${d.soulbox}`, d), {
      ok: true,
      verified: true,
      digest: d.soulbox,
    });
    const wrong = `${SOULBOX_HASH_PREFIX}${'0'.repeat(64)}`;
    assert.deepEqual(checkContext(wrong, d), {
      ok: false,
      reason: 'the uploaded files do not match their hash',
    });
  });

  it("rebuilds the e2b SDK's own hash for file copies, gzipped or not, and refuses a wrong one", async () => {
    for (const gzip of [false, true]) {
      const file = await e2bArchive(dir, ['notes.txt'], path.join(scratch, `e2b-${gzip}.tar`), gzip);
      const d = await contextDigests(file, { src: 'notes.txt', srcAsWritten: 'notes.txt', dest: '/opt/' });
      assert.equal(d.e2b, await e2bHash(dir, 'notes.txt', '/opt/'));
      assert.deepEqual(checkContext(d.e2b!, d), { ok: true, verified: true, digest: d.soulbox });
      const other = await e2bHash(dir, 'notes.txt', '/elsewhere/');
      assert.equal(checkContext(other, d).ok, false, 'the destination is part of the hash');
    }
    // A symlink that is not followed is hashed by its target path, as E2B does.
    const link = await e2bArchive(dir, ['app/run'], path.join(scratch, 'link.tar'), false);
    const d = await contextDigests(link, { src: 'app/run', srcAsWritten: 'app/run', dest: '/x' });
    assert.equal(d.e2b, await e2bHash(dir, 'app/run', '/x'));
  });

  it('takes an e2b directory copy unverified, keyed on what was really uploaded', async () => {
    const file = await e2bArchive(
      dir,
      ['app', 'app/lib', 'app/lib/data.txt', 'app/main.sh', 'app/run'],
      path.join(scratch, 'dir.tar'),
      true,
    );
    const declared = await e2bHash(dir, 'app', '/opt/app');
    const d = await contextDigests(file, { src: 'app', srcAsWritten: 'app', dest: '/opt/app' });
    assert.deepEqual(checkContext(declared, d), { ok: true, verified: false, digest: d.soulbox });
    assert.notEqual(d.soulbox, declared);
    assert.equal(checkContext('not-a-sha256-hash', d).ok, false);
  });

  it('refuses what is not a tar archive', async () => {
    const file = path.join(scratch, 'junk');
    fs.writeFileSync(file, 'this is not a tar archive at all'.repeat(64));
    await assert.rejects(contextDigests(file, { src: 'x', srcAsWritten: 'x', dest: '/x' }));
  });
});

/** SoulBox's digest of `app` in {@link makeContext}; packages/sdk's build-context test pins it too. */
const SOULBOX_APP_DIGEST = '8406ce68ab14e62853484c70670b81a7e30e3f0952c91ece1aeed7c97fd799ff';

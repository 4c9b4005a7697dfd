/**
 * Red team, issue 10 item 2: one uid range for everyone. Each live sandbox must own its host
 * id range alone, no sandbox id may write a template, ranges keep clear of /etc/subuid and
 * /etc/subgid, and a range comes back (clean) only after its sandbox is gone, also across a
 * server restart.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sandbox, Template } from 'e2b';
import { run } from '../../src/util/exec.js';
import { type ChildServer, startChildServer } from '../helpers/child-server.js';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { api, killAll } from '../helpers/rest.js';

const RANGE = 65_536;

interface IdMap {
  inside: number;
  outside: number;
  count: number;
}

function parseIdMap(text: string): IdMap {
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 1, `one mapping line, got ${JSON.stringify(text)}`);
  const [inside, outside, count] = lines[0]!.trim().split(/\s+/).map(Number);
  return { inside: inside!, outside: outside!, count: count! };
}

/** What the sandbox itself reports: its uid and gid maps, read as root inside. */
async function mapsInside(sbx: Sandbox): Promise<{ uid: IdMap; gid: IdMap }> {
  const r = await sbx.commands.run('cat /proc/self/uid_map; echo --; cat /proc/self/gid_map', {
    user: 'root',
  });
  const [uid, gid] = r.stdout.split('--\n');
  return { uid: parseIdMap(uid!), gid: parseIdMap(gid!) };
}

/** The uid map of a container's init process, read on the host (no server needed). */
async function hostMapOf(sandboxId: string): Promise<IdMap> {
  const state = JSON.parse((await run('runc', ['state', `soulbox-${sandboxId}`])).stdout) as { pid: number };
  return parseIdMap(fs.readFileSync(`/proc/${state.pid}/uid_map`, 'utf8'));
}

/** Mount lines whose mount point lies in a sandbox's directory. */
function mountsOf(sandboxId: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4]?.includes(`/sandboxes/${sandboxId}/`));
}

/** Runs a shell command on the host as uid:gid (no groups), as an attacker holding those ids would. */
function asHostIds(uid: number, gid: number, script: string): { status: number | null; out: string } {
  const r = spawnSync(
    'setpriv',
    [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', '/bin/sh', '-c', script],
    { encoding: 'utf8' },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('red team: uid ranges', () => {
  let t: TestServer;
  let a: Sandbox | undefined;
  let b: Sandbox | undefined;

  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
    [a, b] = await Promise.all([Sandbox.create({ ...t.sdk }), Sandbox.create({ ...t.sdk })]);
  });
  after(async () => {
    await Promise.allSettled([a?.kill(), b?.kill()]);
    await t?.close();
  });

  it('gives two live sandboxes disjoint ranges, and their files disjoint host owners', async () => {
    const [ma, mb] = await Promise.all([mapsInside(a!), mapsInside(b!)]);
    for (const m of [ma, mb]) {
      assert.equal(m.uid.inside, 0);
      assert.equal(m.uid.count, RANGE, 'all 65536 ids are mapped');
      assert.deepEqual(m.gid, m.uid, 'gids map like uids');
      assert.ok(m.uid.outside >= 2 ** 30, `root maps to host uid ${m.uid.outside}, far above host users`);
    }
    const lo = Math.min(ma.uid.outside, mb.uid.outside);
    const hi = Math.max(ma.uid.outside, mb.uid.outside);
    assert.ok(hi >= lo + RANGE, `ranges overlap: ${ma.uid.outside} and ${mb.uid.outside}`);

    // What each sandbox writes lands on the host owned by its own range, root and user alike.
    for (const [sbx, m] of [
      [a!, ma],
      [b!, mb],
    ] as const) {
      await sbx.commands.run('echo r > /tmp/by-root', { user: 'root' });
      await sbx.commands.run('echo u > /tmp/by-user', { user: 'user' });
      const upper = t.server.runtime.paths(sbx.sandboxId).upper;
      const byRoot = fs.lstatSync(path.join(upper, 'tmp/by-root'));
      const byUser = fs.lstatSync(path.join(upper, 'tmp/by-user'));
      assert.deepEqual([byRoot.uid, byRoot.gid], [m.uid.outside, m.uid.outside]);
      assert.deepEqual([byUser.uid, byUser.gid], [m.uid.outside + 1000, m.uid.outside + 1000]);
    }
  });

  it('lets root inside change a template file only in its own copy', async () => {
    const template = t.server.templates.get('base');
    assert.ok(template);
    const hostFile = path.join(template.rootfsDir, 'etc/debian_version');
    const hostSudo = path.join(template.rootfsDir, 'usr/bin/sudo');
    const before = fs.lstatSync(hostFile);
    const content = fs.readFileSync(hostFile, 'utf8');
    const sudoBefore = fs.lstatSync(hostSudo);
    const attack = await a!.commands.run(
      [
        'echo pwned >> /etc/debian_version',
        'chown 4242:4242 /etc/debian_version',
        'chmod 4777 /etc/debian_version',
        "python3 -c \"import os; fd = os.open('/usr/bin/sudo', os.O_WRONLY); os.write(fd, b'pwned')\"",
        'chmod 0777 /usr/bin/sudo',
        'rm -f /usr/bin/id',
        'cat /etc/debian_version',
      ].join(' && '),
      { user: 'root' },
    );
    assert.match(attack.stdout, /pwned/, 'the sandbox sees its own change');

    // The template on the host is untouched: content, owner, mode, inode, times.
    const after = fs.lstatSync(hostFile);
    assert.equal(fs.readFileSync(hostFile, 'utf8'), content);
    assert.deepEqual(
      [after.ino, after.uid, after.gid, after.mode, after.mtimeMs],
      [before.ino, before.uid, before.gid, before.mode, before.mtimeMs],
    );
    const sudoAfter = fs.lstatSync(hostSudo);
    assert.deepEqual(
      [sudoAfter.ino, sudoAfter.size, sudoAfter.mode, sudoAfter.uid],
      [sudoBefore.ino, sudoBefore.size, sudoBefore.mode, 0],
    );
    assert.equal(sudoAfter.mode & 0o7777, 0o4755, 'sudo stays setuid root in the template');
    assert.ok(fs.existsSync(path.join(template.rootfsDir, 'usr/bin/id')));

    // The change was copied up into a's writable layer, owned by a's range.
    const m = await mapsInside(a!);
    const copy = fs.lstatSync(path.join(t.server.runtime.paths(a!.sandboxId).upper, 'etc/debian_version'));
    assert.deepEqual([copy.uid, copy.gid], [m.uid.outside + 4242, m.uid.outside + 4242]);

    // b, on the same template, sees the original.
    assert.equal((await b!.commands.run('cat /etc/debian_version')).stdout, content);
    assert.equal((await b!.commands.run('sudo -n id -u')).stdout.trim(), '0', 'sudo still works in b');
  });

  it('gives the sandbox ids no way to the template on the host either', async () => {
    const template = t.server.templates.get('base');
    assert.ok(template);
    const m = await mapsInside(a!);
    const dir = path.dirname(t.server.runtime.paths(a!.sandboxId).upper);
    const sandboxDir = path.dirname(dir);
    // As the sandbox's root or user on the host (an escape would give exactly these ids).
    for (const id of [m.uid.outside, m.uid.outside + 1000]) {
      const w = asHostIds(id, id, `echo x >> '${template.rootfsDir}/etc/debian_version'`);
      assert.notEqual(w.status, 0, `host uid ${id} wrote a template file: ${w.out}`);
      const lower = asHostIds(id, id, `echo x >> '${sandboxDir}/lower/etc/debian_version'`);
      assert.notEqual(lower.status, 0, `host uid ${id} wrote through the lower mount: ${lower.out}`);
    }
    // The templates dir keeps host users out: uid 1000 owns the template's /home/user on disk.
    assert.equal(fs.statSync(t.server.templates.dir).mode & 0o777, 0o700);
    const user = asHostIds(1000, 1000, `ls '${template.rootfsDir}/home/user'`);
    assert.notEqual(user.status, 0, `host uid 1000 reached into the template: ${user.out}`);
    // The sandbox's dir: only root and the sandbox's own root group may traverse it.
    const st = fs.statSync(sandboxDir);
    assert.equal(st.mode & 0o777, 0o710);
    assert.deepEqual([st.uid, st.gid], [0, m.uid.outside]);
    // The lower layer is the template seen through an idmapped view that only the overlay
    // holds: nothing of it stays in the host's mount table for anyone to use.
    const mine = mountsOf(a!.sandboxId);
    assert.deepEqual(
      mine.map((l) => l.split(' ')[4]),
      [`${sandboxDir}/rootfs`],
      'one mount per sandbox: the overlay',
    );
    assert.match(mine[0]!, new RegExp(`lowerdir=${sandboxDir}/lower,`));
    assert.deepEqual(fs.readdirSync(`${sandboxDir}/lower`), []);
  });

  it('keeps file capabilities and setuid working inside', async () => {
    // (b: a's sudo was just overwritten on purpose.)
    // ping carries cap_net_raw as a plain (v2) file capability on an image-owned file. The
    // kernel hands it to a reader only as valid in the reader's namespace: a capability whose
    // root did not map to this sandbox's root would read as v3 with a rootid, or fail.
    const xattr = await b!.commands.run(
      `python3 -c "import os, struct; v = os.getxattr('/usr/bin/ping', 'security.capability'); m, p = struct.unpack('<II', v[:8]); print(hex(m), (p >> 13) & 1)"`,
      { user: 'user' },
    );
    assert.equal(xattr.stdout.trim(), '0x2000001 1', 'v2, effective, CAP_NET_RAW permitted');
    const ping = await b!.commands.run('ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok', { user: 'user' });
    assert.match(ping.stdout, /ping-ok/);
    assert.equal((await b!.commands.run('sudo -n id -u', { user: 'user' })).stdout.trim(), '0');
    const mode = await b!.commands.run('stat -c "%a %u" /usr/bin/sudo');
    assert.equal(mode.stdout.trim(), '4755 0', 'sudo is setuid root as the sandbox sees it');
  });
});

describe('red team: a template build', () => {
  let t: TestServer;
  const name = `uidbuild${process.pid}`;
  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
  });
  after(async () => {
    await api(t, 'DELETE', `/templates/${name}`).catch(() => {});
    await t?.close();
  });

  it('stores what the build sandbox made with image owners, setuid bits and capabilities', async () => {
    const opts = { apiKey: t.apiKey, apiUrl: t.url, sandboxUrl: t.url };
    const tpl = Template().fromTemplate('base').runCmd(
      [
        'useradd -u 4242 alice && mkdir /opt/owned && chown alice:alice /opt/owned',
        'cp /usr/bin/id /opt/suid-id && chmod 4755 /opt/suid-id',
        // cp -a from inside the sandbox writes the capability as valid for this sandbox only.
        'cp -a /usr/bin/ping /opt/ping2',
      ],
      { user: 'root' },
    );
    await Template.build(tpl, name, opts);
    const built = t.server.templates.get(name);
    assert.ok(built);
    const st = (p: string) => fs.lstatSync(path.join(built.rootfsDir, p));
    assert.deepEqual([st('opt/owned').uid, st('opt/owned').gid], [4242, 4242]);
    assert.deepEqual([st('opt/suid-id').uid, st('opt/suid-id').mode & 0o7777], [0, 0o4755]);
    assert.equal(st('.').uid, 0);
    const caps = spawnSync('getcap', ['-n', path.join(built.rootfsDir, 'opt/ping2')], { encoding: 'utf8' });
    assert.match(caps.stdout, /cap_net_raw=ep$/m);
    assert.doesNotMatch(caps.stdout, /rootid/, 'stored as a plain capability, for every range');

    // A sandbox of the new template (in a range of its own) sees the owners and uses both.
    const sbx = await Sandbox.create(name, opts);
    try {
      const r = await sbx.commands.run(
        'stat -c "%U %a" /opt/owned /opt/suid-id; /opt/suid-id -u; /opt/ping2 -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok',
        { user: 'user' },
      );
      assert.equal(r.stdout, 'alice 755\nroot 4755\n0\nping-ok\n');
    } finally {
      await sbx.kill();
    }
  });

  it('keeps an older build while a sandbox runs on it (the mount table no longer shows it)', async () => {
    const opts = { apiKey: t.apiKey, apiUrl: t.url, sandboxUrl: t.url };
    const old = t.server.templates.get(name);
    assert.ok(old);
    const sbx = await Sandbox.create(name, opts);
    try {
      await Template.build(Template().fromTemplate('base').runCmd('echo v2 > /opt/v2'), name, opts);
      const next = t.server.templates.get(name);
      assert.ok(next && next.hash !== old.hash, 'a new build is current');
      assert.ok(fs.existsSync(old.rootfsDir), 'the build in use was kept');
      const r = await sbx.commands.run(
        'ls /usr/bin | wc -l; cat /opt/owned/../suid-id >/dev/null && echo ok',
      );
      assert.match(r.stdout, /^\d+\nok\n$/);
    } finally {
      await sbx.kill();
    }
  });
});

describe('red team: the range pool', () => {
  const B = 2 ** 30;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-subid-'));
  const subuid = path.join(tmp, 'subuid');
  const subgid = path.join(tmp, 'subgid');
  let t: TestServer;
  const made: Sandbox[] = [];

  before(async () => {
    // Range 0 is delegated to alice (uids), range 1 to bob (its very last gid only).
    fs.writeFileSync(subuid, `# test\nalice:${B + 10}:5\n`);
    fs.writeFileSync(subgid, `bob:${B + 2 * RANGE - 1}:1\n`);
    t = await startTestServer({
      pool: { enabled: false },
      runtime: { uidRanges: { base: B, count: 4, subuidFile: subuid, subgidFile: subgid } },
    });
  });
  after(async () => {
    await Promise.allSettled(made.map((s) => s.kill()));
    await t?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('skips ranges that touch a subuid or subgid entry, and says when none is left', async () => {
    const x = await Sandbox.create({ ...t.sdk });
    made.push(x);
    const y = await Sandbox.create({ ...t.sdk });
    made.push(y);
    const got = [(await mapsInside(x)).uid.outside, (await mapsInside(y)).uid.outside].sort();
    assert.deepEqual(got, [B + 2 * RANGE, B + 3 * RANGE]);
    await assert.rejects(Sandbox.create({ ...t.sdk }), (err: Error) => {
      assert.match(err.message, /uid range/);
      return true;
    });
  });

  it('frees a range when its sandbox is killed and hands it out again without leftovers', async () => {
    const x = made.shift()!;
    const xRange = (await mapsInside(x)).uid.outside;
    await x.commands.run('echo secret > /tmp/x-was-here && mkdir -p /home/user/x-dir', { user: 'root' });
    const xDir = path.dirname(path.dirname(t.server.runtime.paths(x.sandboxId).upper));
    await x.kill();
    assert.equal(fs.existsSync(xDir), false, "x's directory is gone");
    assert.deepEqual(mountsOf(x.sandboxId), [], "none of x's mounts is left");

    const z = await Sandbox.create({ ...t.sdk });
    made.push(z);
    assert.equal((await mapsInside(z)).uid.outside, xRange, 'the freed range is reused');
    const look = await z.commands.run('ls -A /tmp /home/user', { user: 'root' });
    assert.doesNotMatch(look.stdout, /x-was-here|x-dir/);
    // Nothing on the host is owned by the range except what z itself made.
    const upper = t.server.runtime.paths(z.sandboxId).upper;
    assert.equal(fs.existsSync(path.join(upper, 'tmp/x-was-here')), false);
  });
});

describe('red team: ranges across a restart', () => {
  let server: ChildServer | undefined;
  const uidRanges = { count: 8 };
  after(async () => {
    if (server) {
      await killAll(server);
      await server.stop();
    }
  });

  it('keeps an adopted sandbox range taken, and frees it once that sandbox is killed', async () => {
    server = await startChildServer({ runtime: { uidRanges } });
    const s = (await api(server, 'POST', '/v2/sandboxes', { templateID: 'base', timeout: 600 })).json!;
    const sId = s.sandboxID as string;
    const sMap = await hostMapOf(sId);

    await server.crash();
    server = undefined;
    server = await startChildServer({ runtime: { uidRanges } });
    assert.equal((await api(server, 'GET', `/sandboxes/${sId}`)).status, 200, 'adopted');
    assert.deepEqual(await hostMapOf(sId), sMap);

    const u = (await api(server, 'POST', '/v2/sandboxes', { templateID: 'base', timeout: 600 })).json!;
    const uId = u.sandboxID as string;
    const uMap = await hostMapOf(uId);
    const apart = Math.abs(uMap.outside - sMap.outside);
    assert.ok(apart >= RANGE, `a new sandbox got ${uMap.outside}, overlapping the adopted ${sMap.outside}`);

    assert.equal((await api(server, 'DELETE', `/sandboxes/${sId}`)).status, 204);
    const v = (await api(server, 'POST', '/v2/sandboxes', { templateID: 'base', timeout: 600 })).json!;
    assert.equal((await hostMapOf(v.sandboxID as string)).outside, sMap.outside, 'its range is free again');
  });
});

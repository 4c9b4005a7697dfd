/**
 * Builds `base` for real (debootstrap from the Debian mirror, ~1–2 min). Needs root,
 * debootstrap and network; skipped otherwise. Everything goes to temporary directories.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { IDMAP_HELPER } from '../../src/runtime/idmapped-mount.js';
import type { TemplateBuildProgress } from '../../src/template/progress.js';
import { removeTree } from '../../src/template/remove-tree.js';
import { findTool } from '../../src/template/run-tool.js';
import {
  createTemplateStore,
  createTemplateStoreWith,
  type TemplateRootfs,
} from '../../src/template/template-store.js';

/** The host range the test container gets, as a sandbox would (SoulBox's default pool base). */
const RANGE_BASE = 2 ** 30;
const skip =
  process.getuid?.() !== 0
    ? 'needs root'
    : findTool('debootstrap')
      ? false
      : 'needs debootstrap (apt-get install debootstrap)';

/** Pids of processes whose root directory (chroot) or cwd is inside `dir`. */
function processesInside(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const link of ['root', 'cwd']) {
      try {
        if (readlinkSync(`/proc/${entry}/${link}`).startsWith(dir)) found.push(Number(entry));
      } catch {
        // gone, or a kernel thread
      }
    }
  }
  return found;
}

function mountsInside(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(dir));
}

/**
 * Runs a bash script as root in the template the way a sandbox sees it: on an overlay
 * (so the check writes nothing into the template), in a throw-away mount namespace.
 */
function runInTemplate(
  rootfs: string,
  scratch: string,
  script: string,
): { status: number | null; stdout: string } {
  for (const d of ['u', 'w', 'm']) mkdirSync(path.join(scratch, d), { recursive: true });
  const mountAndRun = `set -e
mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/u,workdir=$2/w" "$2/m"
mount -t proc proc "$2/m/proc"
exec chroot "$2/m" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root /bin/bash -lc "$3"`;
  const result = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      mountAndRun,
      'sh',
      rootfs,
      scratch,
      script,
    ],
    { encoding: 'utf8' },
  );
  return { status: result.status, stdout: `${result.stdout}${result.stderr}` };
}

/**
 * Runs a bash script as `user` (uid 1000) in a real runc container on an overlay of the
 * template, built as a sandbox's is: the lower layer an idmapped view of the template
 * (0..65535 → RANGE_BASE..), in a user namespace with the same mapping. Only there do sudo,
 * setuid and file capabilities behave as in a sandbox. `undefined` when runc is not installed.
 */
function runAsUserInContainer(
  rootfs: string,
  scratch: string,
  script: string,
): { status: number | null; stdout: string } | undefined {
  const runc = findTool('runc');
  if (!runc) return undefined;
  const bundle = path.join(scratch, 'bundle');
  for (const d of ['l', 'u', 'w', 'm', 'bundle', 'runc-state'])
    mkdirSync(path.join(scratch, d), { recursive: true });
  spawnSync(runc, ['spec', '--bundle', bundle]);
  const config = JSON.parse(readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  const caps = [
    'CAP_CHOWN',
    'CAP_DAC_OVERRIDE',
    'CAP_FOWNER',
    'CAP_FSETID',
    'CAP_KILL',
    'CAP_SETGID',
    'CAP_SETUID',
  ];
  caps.push('CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE');
  config.root = { path: path.join(scratch, 'm'), readonly: false };
  config.hostname = 'soulbox-test';
  config.process = {
    ...config.process,
    terminal: false,
    user: { uid: 1000, gid: 1000, additionalGids: [27] },
    args: ['/bin/bash', '-lc', script],
    env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/home/user'],
    cwd: '/home/user',
    noNewPrivileges: false,
    capabilities: { bounding: caps, permitted: caps, effective: caps },
  };
  config.linux.namespaces.push({ type: 'user' });
  config.linux.uidMappings = [{ containerID: 0, hostID: RANGE_BASE, size: 65536 }];
  config.linux.gidMappings = [{ containerID: 0, hostID: RANGE_BASE, size: 65536 }];
  writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  // A private runc state dir, so the server's own `runc list` never sees this container.
  const mountAndRun = `set -e
"$5" view "$1" "$2/l" 0 ${RANGE_BASE} 65536
chown ${RANGE_BASE}:${RANGE_BASE} "$2/u"
mount -t overlay overlay -o "lowerdir=$2/l,upperdir=$2/u,workdir=$2/w" "$2/m"
exec "$3" --root "$2/runc-state" run --bundle "$2/bundle" "$4"`;
  const id = `soulbox-template-test-${process.pid}`;
  const result = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      mountAndRun,
      'sh',
      rootfs,
      scratch,
      runc,
      id,
      IDMAP_HELPER,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  return { status: result.status, stdout: `${result.stdout}${result.stderr}` };
}

describe('building the base template', { skip }, () => {
  let dir: string;
  let templatesDir: string;
  let template: TemplateRootfs;
  const progress: TemplateBuildProgress[] = [];

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'soulbox-template-build-'));
    // The container's root (host uid RANGE_BASE) must be able to reach its rootfs below here.
    chmodSync(dir, 0o711);
    templatesDir = path.join(dir, 'templates');
  });

  after(async () => {
    await removeTree(dir);
  });

  it('builds base with visible progress', async () => {
    const store = createTemplateStore({
      templatesDir,
      onProgress: (p) => progress.push(p),
    });
    const startedMs = Date.now();
    template = await store.ensure('base');
    const seconds = (Date.now() - startedMs) / 1000;
    process.stderr.write(
      `base built in ${seconds.toFixed(1)} s, ${(template.sizeBytes / 2 ** 20).toFixed(0)} MiB\n`,
    );

    assert.equal(template.rootfsDir, path.join(templatesDir, 'base', template.hash, 'rootfs'));
    const phases = [...new Set(progress.map((p) => p.phase))];
    assert.deepEqual(phases, ['debootstrap', 'apt', 'configure', 'check', 'done']);
    const messages = progress.map((p) => p.message);
    for (const pattern of [
      /^retrieving \d+\/\d+ /,
      /^extracting \d+\/\d+ /,
      /^unpacking \d+\/\d+ /,
      /^configuring \d+\/\d+ /,
    ]) {
      assert.ok(
        messages.some((m) => pattern.test(m)),
        `debootstrap progress matching ${pattern}`,
      );
    }
    assert.ok(messages.some((m) => /^downloading \d+\/\d+ packages/.test(m)));
    assert.ok(messages.some((m) => /^installing \d+ packages: /.test(m)));
    assert.deepEqual(readdirSync(templatesDir), ['base'], 'no build dir or lock left');
    assert.deepEqual(mountsInside(dir), []);
  });

  it('has the E2B user and tools', () => {
    const out = runInTemplate(
      template.rootfsDir,
      path.join(dir, 'check'),
      `set -e
getent passwd user
id user
umask
python --version; python3 -c 'import http.server; print("http.server")'
node -v; npm -v; git --version; curl --version | head -n1
for t in bash ln realpath sleep cat less ps ip jq; do command -v $t; done
`,
    );
    assert.equal(out.status, 0, out.stdout);
    assert.match(out.stdout, /^user:x:1000:1000::\/home\/user:\/bin\/bash$/m);
    assert.match(out.stdout, /uid=1000\(user\) gid=1000\(user\) groups=1000\(user\),27\(sudo\)/);
    assert.match(out.stdout, /^0022$/m);
    assert.match(out.stdout, /^Python 3\.\d+/m);
    assert.match(out.stdout, /^http\.server$/m);
    assert.match(out.stdout, /^v\d+\.\d+\.\d+$/m);
    assert.match(out.stdout, /^\d+\.\d+\.\d+$/m, 'npm -v');
    assert.match(out.stdout, /^git version/m);
    assert.match(out.stdout, /^\/usr\/bin\/jq$/m);
  });

  it('gives user passwordless sudo, umask 022 and /home/user inside a user-namespaced container', (t) => {
    const out = runAsUserInContainer(
      template.rootfsDir,
      path.join(dir, 'container'),
      `set -e
id -un; pwd
touch file; mkdir dir; stat -c '%a %U:%G %n' file dir
sudo -n whoami
sudo -n visudo -c -q && echo sudoers-ok
ping -c1 -W2 127.0.0.1 >/dev/null && echo ping-ok
`,
    );
    if (!out) {
      t.skip('runc is not installed');
      return;
    }
    assert.equal(out.status, 0, out.stdout);
    assert.match(
      out.stdout,
      /^user\n\/home\/user\n644 user:user file\n755 user:user dir\nroot\nsudoers-ok\nping-ok\n$/,
    );
    assert.doesNotMatch(out.stdout, /unable to resolve host/);
  });

  it('keeps the image owners, special bits and capabilities, behind a 0700 templates dir', () => {
    assert.equal(statSync(templatesDir).mode & 0o777, 0o700, 'no host user reaches setuid or uid-1000 files');
    const r = template.rootfsDir;
    const st = (p: string) => lstatSync(path.join(r, p));
    assert.equal(st('.').uid, 0);
    assert.equal(st('home/user').uid, 1000);
    assert.equal(st('home/user/.bashrc').gid, 1000);
    assert.equal(st('usr/bin/sudo').uid, 0);
    assert.equal(st('usr/bin/sudo').mode & 0o7777, 0o4755, 'sudo stays setuid root');
    assert.equal(st('etc/sudoers.d/user').mode & 0o7777, 0o440);
    assert.equal(
      readFileSync(path.join(r, 'etc/sudoers.d/user'), 'utf8'),
      'user ALL=(ALL:ALL) NOPASSWD: ALL\n',
    );
    assert.equal(st('code').mode & 0o7777, 0o777);
    for (const p of ['.soulbox', 'run/soulbox']) {
      assert.ok(st(p).isDirectory());
      assert.deepEqual(readdirSync(path.join(r, p)), []);
    }
    for (const p of ['etc/resolv.conf', 'etc/hosts']) assert.ok(st(p).isFile(), `${p} is a regular file`);
    assert.deepEqual(readdirSync(path.join(r, 'var/lib/apt/lists')), []);
    assert.deepEqual(
      readdirSync(path.join(r, 'var/cache/apt/archives')).filter((f) => f.endsWith('.deb')),
      [],
    );
    assert.throws(() => st('usr/sbin/policy-rc.d'), { code: 'ENOENT' });

    // Every entry's owner and group is an image id, which an idmapped mount can map.
    let outside = 0;
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        const s = lstatSync(p);
        if (s.uid >= 65536 || s.gid >= 65536) outside++;
        if (s.isDirectory()) walk(p);
      }
    };
    walk(r);
    assert.equal(outside, 0);

    const getcap = findTool('getcap');
    if (getcap) {
      const caps = spawnSync(getcap, ['-n', path.join(r, 'usr/bin/ping')], { encoding: 'utf8' }).stdout;
      assert.match(caps, /cap_net_raw=ep$/m, 'ping keeps its capability as the package set it');
      assert.doesNotMatch(caps, /rootid/, 'a plain (v2) capability: valid through any idmapped mount');
    }
  });

  it('is a cache hit the second time', async () => {
    const store = createTemplateStore({ templatesDir });
    const startedMs = Date.now();
    const again = await store.ensure('base');
    assert.ok(Date.now() - startedMs < 2000);
    assert.deepEqual(again, template);
    assert.deepEqual(store.list(), [template]);
  });

  it('leaves no template, mount or process when the build is aborted', async () => {
    const abortDir = path.join(dir, 'aborted');
    const controller = new AbortController();
    const store = createTemplateStore({
      templatesDir: abortDir,
      // Abort once apt runs in the chroot: proc, sys and dev are mounted then.
      onProgress: (p) => {
        if (p.phase === 'apt' && /installing|downloading/.test(p.message)) controller.abort();
      },
    });
    await assert.rejects(store.ensure('base', { signal: controller.signal }), { name: 'AbortError' });
    await sleep(200);
    assert.deepEqual(readdirSync(abortDir), [], 'no template, build dir or lock');
    assert.equal(store.get('base'), undefined);
    assert.deepEqual(mountsInside(abortDir), []);
    assert.deepEqual(processesInside(abortDir), []);
  });

  it('leaves no mount or process when the server is SIGKILLed mid-build, and the next build cleans up', async () => {
    const killDir = path.join(dir, 'killed');
    const moduleUrl = (file: string) =>
      JSON.stringify(pathToFileURL(path.join(import.meta.dirname, '../../src/template', file)).href);
    const code = `
      const { createTemplateStore } = await import(${moduleUrl('template-store.ts')});
      const { renderTemplateProgress } = await import(${moduleUrl('progress.ts')});
      await createTemplateStore({ templatesDir: ${JSON.stringify(killDir)}, onProgress: renderTemplateProgress }).ensure('base');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 5 * 60_000;
    while (!stderr.includes('template base: apt') && Date.now() < deadline && child.exitCode === null)
      await sleep(100);
    assert.match(stderr, /template base: apt/);
    await sleep(3000); // well inside apt-get install, with the chroot mounts up
    child.kill('SIGKILL');
    await exited;

    let busy: number[] = [];
    for (let i = 0; i < 50; i++) {
      busy = processesInside(killDir);
      if (busy.length === 0) break;
      await sleep(100);
    }
    assert.deepEqual(busy, [], 'the build died with the server');
    assert.deepEqual(mountsInside(killDir), []);
    const left = readdirSync(killDir);
    assert.ok(left.includes('.base.lock'), 'a stale lock is left');
    assert.ok(
      left.some((e) => e.startsWith('.build-base-')),
      'a stale build dir is left',
    );
    assert.ok(!left.includes('base'), 'nothing counts as built');

    // The next build (a stand-in that builds nothing) breaks the lock and removes the debris.
    const next = createTemplateStoreWith({ templatesDir: killDir }, async (o) => {
      mkdirSync(o.rootfs);
      return { sizeBytes: 0 };
    });
    const rebuilt = await next.ensure('base');
    assert.ok(statSync(rebuilt.rootfsDir).isDirectory());
    assert.deepEqual(readdirSync(killDir), ['base']);
  });
});

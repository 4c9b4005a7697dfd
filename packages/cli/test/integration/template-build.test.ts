/**
 * `soulbox template build` of a small Dockerfile (no downloads): COPY with --chown and
 * --chmod, ENV with expansion, WORKDIR, USER, then a sandbox from the template (CLI and the
 * official e2b SDK) sees the files and the defaults; a failing step names itself; the
 * template lists, refuses deletion while used, and deletes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sandbox, Template } from 'e2b';
import { startTestServer, type TestServer } from '../../../server/test/helpers/harness.js';
import { type RunCliOptions, runCli, tempConfigDir } from '../helpers/cli-runner.js';

const skip = process.getuid?.() !== 0 ? 'needs root (real sandboxes)' : false;
const NAME = `clitest${process.pid}`;

describe('soulbox template build (Dockerfile subset)', { skip, timeout: 600_000 }, () => {
  let t: TestServer;
  let cfg: ReturnType<typeof tempConfigDir>;
  let ctxDir: string;
  let env: Record<string, string>;
  const cli = (args: string[], o: RunCliOptions = {}) => runCli(args, { ...o, env: { ...env, ...o.env } });

  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
    cfg = tempConfigDir();
    env = { SOULBOX_URL: t.url, SOULBOX_API_KEY: t.apiKey, SOULBOX_CONFIG_DIR: cfg.dir };
    ctxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'soulbox-tpl-'));
    fs.mkdirSync(path.join(ctxDir, 'app', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(ctxDir, 'app', 'main.sh'), '#!/bin/sh\necho "app says $GREETING"\n');
    fs.writeFileSync(path.join(ctxDir, 'app', 'lib', 'data.txt'), 'data\n');
    fs.writeFileSync(path.join(ctxDir, 'notes.txt'), 'notes\n');
    fs.writeFileSync(
      path.join(ctxDir, 'soulbox.Dockerfile'),
      `FROM base
# Files the build removes and replaces must not leak through from the parent.
RUN rm -rf /code && mkdir /code && echo new > /code/marker && rm /etc/issue
COPY --chown=user:user --chmod=0755 app /opt/app
COPY notes.txt /opt/
ENV GREETING=hello TOOLS=/opt/app
ENV PATH=$TOOLS:$PATH
WORKDIR /srv/work
RUN whoami > /srv/work/built-by && echo "$GREETING" > greeting
USER user
RUN whoami > /tmp/user-step
`,
    );
  });
  after(async () => {
    await cli(['template', 'delete', NAME]).catch(() => {});
    await t?.close();
    cfg?.cleanup();
    if (ctxDir) fs.rmSync(ctxDir, { recursive: true, force: true });
  });

  it('builds, and sandboxes from it get its files, ENV, WORKDIR and USER', async () => {
    const built = await cli(['template', 'build', NAME, '-f', path.join(ctxDir, 'soulbox.Dockerfile')]);
    assert.equal(built.code, 0, built.stderr + built.stdout);
    assert.match(built.stdout, /==> 1\/9 RUN rm -rf \/code/);
    assert.match(built.stdout, /==> 9\/9 RUN whoami/);
    assert.match(built.stdout, new RegExp(`built template ${NAME} in \\d+ s`));

    const id = (await cli(['sandbox', 'create', '--template', NAME])).stdout.trim();
    try {
      const r = await cli([
        'exec',
        id,
        'whoami; pwd; main.sh; cat built-by greeting /code/marker /opt/notes.txt; stat -c "%U %a" /opt/app/main.sh; ls /code; test -e /etc/issue || echo no-issue',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        'user\n/srv/work\napp says hello\nroot\nhello\nnew\nnotes\nuser 755\nmarker\nno-issue\n',
      );
    } finally {
      await cli(['sandbox', 'kill', id]);
    }

    // The official SDK creates sandboxes from it by name, too.
    const sbx = await Sandbox.create(NAME, { apiKey: t.apiKey, apiUrl: t.url, sandboxUrl: t.url });
    try {
      const r = await sbx.commands.run('echo "$GREETING from $(pwd) as $(whoami)"');
      assert.equal(r.stdout, 'hello from /srv/work as user\n');
      const busy = await cli(['template', 'delete', NAME]);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /^soulbox: template '.+' is used by sandbox \w+; kill it first\n$/);
    } finally {
      await sbx.kill();
    }

    // Unchanged: the second build is a cache hit.
    const again = await cli(['template', 'build', NAME, '-f', path.join(ctxDir, 'soulbox.Dockerfile')]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /using the cached template/);

    const list = JSON.parse((await cli(['template', 'list', '--json'])).stdout) as {
      templateID: string;
      kind: string;
    }[];
    assert.deepEqual(
      list.filter((x) => x.templateID === NAME || x.templateID === 'base').map((x) => [x.templateID, x.kind]),
      [
        ['base', 'recipe'],
        [NAME, 'dockerfile'],
      ],
    );
    assert.equal((await cli(['template', 'delete', NAME])).code, 0);
    assert.ok(
      !(JSON.parse((await cli(['template', 'list', '--json'])).stdout) as { templateID: string }[]).some(
        (x) => x.templateID === NAME,
      ),
    );
    const gone = await cli(['sandbox', 'create', '--template', NAME]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^soulbox: template "\w+" not found\n$/);
  });

  it("the official SDK's Template.build works too", async () => {
    const opts = { apiKey: t.apiKey, apiUrl: t.url, sandboxUrl: t.url };
    const name = `${NAME}e2b`;
    const tpl = Template()
      .fromTemplate('base')
      .runCmd('echo built-by-e2b > /home/user/e2b.txt')
      .setEnvs({ FOO: 'bar' });
    try {
      const built = await Template.build(tpl, name, opts);
      assert.equal(built.templateId, name);
      const sbx = await Sandbox.create(name, opts);
      try {
        assert.equal((await sbx.commands.run('cat e2b.txt; echo $FOO')).stdout, 'built-by-e2b\nbar\n');
      } finally {
        await sbx.kill();
      }
    } finally {
      await cli(['template', 'delete', name]);
    }
  });

  it('a failing step says which step and why', async () => {
    const file = path.join(ctxDir, 'broken.Dockerfile');
    fs.writeFileSync(
      file,
      'FROM base\nRUN echo fine\nRUN echo "no such tool" >&2 && false\nRUN echo never\n',
    );
    const r = await cli(['template', 'build', `${NAME}x`, '-f', file]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^soulbox: step 2\/3 RUN echo "no such tool" >&2 && false failed: exit status 1 \(last output: no such tool\)\n/m,
    );
    assert.doesNotMatch(r.stdout, /never/);
    const bad = await cli(['template', 'build', `${NAME}y`, '-f', file.replace('broken', 'nope')]);
    assert.match(bad.stderr, /no Dockerfile found/);
    fs.writeFileSync(file, 'FROM base\nEXPOSE 80\n');
    const unsupported = await cli(['template', 'build', `${NAME}y`, '-f', file]);
    assert.equal(
      unsupported.stderr,
      'soulbox: Dockerfile line 2: EXPOSE is not supported (SoulBox builds FROM, RUN, COPY, ENV, WORKDIR, USER)\n',
    );
    fs.writeFileSync(file, 'FROM ubuntu:24.04\nRUN true\n');
    const ubuntu = await cli(['template', 'build', `${NAME}y`, '-f', file]);
    assert.equal(ubuntu.code, 1);
    assert.match(ubuntu.stderr, /FROM ubuntu:24\.04: only debian:bookworm/);
  });
});

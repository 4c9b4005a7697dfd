/**
 * Builds templates/polyglot/soulbox.Dockerfile with the CLI (Debian packages: ruby, rustc +
 * cargo, golang, gcc/g++, a headless JDK; about a minute on 2 cores with a warm apt mirror)
 * and runs a hello world in each language in a sandbox from it. Needs network to the Debian
 * mirror. The template is deleted afterwards (set SOULBOX_TEST_KEEP_TEMPLATES=1 to keep it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../../../server/test/helpers/harness.js';
import { type RunCliOptions, runCli, tempConfigDir } from '../helpers/cli-runner.js';

const skip = process.getuid?.() !== 0 ? 'needs root (real sandboxes)' : false;
const DOCKERFILE = fileURLToPath(
  new URL('../../../../templates/polyglot/soulbox.Dockerfile', import.meta.url),
);
const keep = process.env.SOULBOX_TEST_KEEP_TEMPLATES === '1';

const HELLO: [string, string][] = [
  ['python', `python3 -c 'print("hello from python")'`],
  ['node', `node -e 'console.log("hello from node")'`],
  ['ruby', `ruby -e 'puts "hello from ruby"'`],
  [
    'rust',
    `printf 'fn main() { println!("hello from rust"); }' > h.rs && rustc -o h-rs h.rs && ./h-rs && cargo --version >/dev/null`,
  ],
  [
    'go',
    `printf 'package main\\nimport "fmt"\\nfunc main() { fmt.Println("hello from go") }\\n' > h.go && go run h.go`,
  ],
  [
    'c',
    `printf '#include <stdio.h>\\nint main(void) { puts("hello from c"); return 0; }\\n' > h.c && gcc -o h-c h.c && ./h-c`,
  ],
  [
    'c++',
    `printf '#include <iostream>\\nint main() { std::cout << "hello from c++" << std::endl; }\\n' > h.cpp && g++ -o h-cpp h.cpp && ./h-cpp`,
  ],
  [
    'java',
    `printf 'public class Hello { public static void main(String[] a) { System.out.println("hello from java"); } }\\n' > Hello.java && javac Hello.java && java Hello`,
  ],
];

describe('the polyglot template', { skip, timeout: 1_800_000 }, () => {
  let t: TestServer;
  let cfg: ReturnType<typeof tempConfigDir>;
  let env: Record<string, string>;
  const cli = (args: string[], o: RunCliOptions = {}) =>
    runCli(args, { timeoutMs: 1_500_000, ...o, env: { ...env, ...o.env } });

  before(async () => {
    t = await startTestServer({ pool: { enabled: false } });
    cfg = tempConfigDir();
    env = { SOULBOX_URL: t.url, SOULBOX_API_KEY: t.apiKey, SOULBOX_CONFIG_DIR: cfg.dir };
  });
  after(async () => {
    if (!keep) await cli(['template', 'delete', 'polyglot']).catch(() => {});
    await t?.close();
    cfg?.cleanup();
  });

  it('builds and runs a hello world in every language it promises', async () => {
    const started = Date.now();
    const built = await cli([
      'template',
      'build',
      'polyglot',
      '-f',
      DOCKERFILE,
      ...(keep ? [] : ['--force']),
    ]);
    assert.equal(built.code, 0, `${built.stderr}\n${built.stdout.slice(-4000)}`);
    process.stderr.write(`# polyglot build took ${Math.round((Date.now() - started) / 1000)} s\n`);
    const id = (await cli(['sandbox', 'create', '--template', 'polyglot', '--memory', '2048'])).stdout.trim();
    try {
      for (const [lang, cmd] of HELLO) {
        const r = await cli(['exec', id, `mkdir -p /tmp/${lang} && cd /tmp/${lang} && ${cmd}`]);
        assert.equal(r.code, 0, `${lang}: ${r.stderr}`);
        assert.equal(r.stdout, `hello from ${lang}\n`, lang);
      }
    } finally {
      await cli(['sandbox', 'kill', id]);
    }
  });
});

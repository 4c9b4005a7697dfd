import assert from 'node:assert/strict';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EnvdConfigError, parseEnvdConfig } from './envd-config.js';
import { FALLBACK_PATH, loadStartup } from './load-config.js';

const hostSecret = 'A'.repeat(32);
const base = { sandboxId: 's', templateId: 't', hostSecret };

describe('parseEnvdConfig', () => {
  it('applies defaults', () => {
    assert.deepEqual(parseEnvdConfig(base), {
      sandboxId: 's',
      templateId: 't',
      hostSecret,
      logMaxBytes: 8 * 1024 * 1024,
      envVars: {},
      defaultUser: 'user',
      defaultWorkdir: '/home/user',
      childOomScoreAdj: undefined,
      codeInterpreter: false,
    });
  });

  it('takes every documented setting; "" or null workdir means none', () => {
    const config = parseEnvdConfig({
      ...base,
      logMaxBytes: 65_536,
      envVars: { A: '1' },
      defaultUser: 'root',
      defaultWorkdir: null,
      childOomScoreAdj: -500,
      codeInterpreter: true,
    });
    assert.equal(config.defaultWorkdir, undefined);
    assert.equal(config.childOomScoreAdj, -500);
    assert.equal(config.codeInterpreter, true);
    assert.equal(config.logMaxBytes, 65_536);
    assert.equal(parseEnvdConfig({ ...base, defaultWorkdir: '' }).defaultWorkdir, undefined);
  });

  it('names the bad setting', () => {
    const bad: Array<[unknown, string]> = [
      [[], '(root)'],
      [{ templateId: 't', hostSecret }, 'sandboxId'],
      [{ ...base, extra: 1 }, 'extra'],
      [{ ...base, socketDir: '/run/soulbox' }, 'socketDir'],
      [{ sandboxId: 's', templateId: 't' }, 'hostSecret'],
      [{ ...base, hostSecret: 'short' }, 'hostSecret'],
      [{ ...base, hostSecret: `${'A'.repeat(32)} ` }, 'hostSecret'],
      [{ ...base, logMaxBytes: 1000 }, 'logMaxBytes'],
      [{ ...base, logMaxBytes: 1e6 + 0.5 }, 'logMaxBytes'],
      [{ ...base, envVars: { A: 1 } }, 'envVars.A'],
      [{ ...base, envVars: { 'A=B': 'x' } }, 'envVars.A=B'],
      [{ ...base, defaultWorkdir: 'home' }, 'defaultWorkdir'],
      [{ ...base, childOomScoreAdj: 1001 }, 'childOomScoreAdj'],
      [{ ...base, defaultUser: '' }, 'defaultUser'],
      [{ ...base, codeInterpreter: 'yes' }, 'codeInterpreter'],
    ];
    for (const [input, setting] of bad) {
      assert.throws(
        () => parseEnvdConfig(input),
        (error: unknown) => error instanceof EnvdConfigError && error.setting === setting,
        setting,
      );
    }
  });
});

describe('loadStartup', () => {
  it('reads the config from its descriptor, closes it, and passes PATH on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envd-config-'));
    try {
      const path = join(dir, 'c.json');
      writeFileSync(path, JSON.stringify(base));
      const fd = openSync(path, 'r');
      const startup = loadStartup({ PATH: '/bin' }, fd);
      assert.equal(startup.config.hostSecret, hostSecret);
      assert.equal(startup.pathEnv, '/bin');
      assert.throws(() => readFileSync(fd), { code: 'EBADF' }, 'the descriptor is closed');
      assert.equal(loadStartup({}, openSync(path, 'r')).pathEnv, FALLBACK_PATH);
      writeFileSync(path, '{nope');
      assert.throws(() => loadStartup({}, openSync(path, 'r')), /not valid JSON/);
      assert.throws(() => loadStartup({}, fd), /cannot read it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

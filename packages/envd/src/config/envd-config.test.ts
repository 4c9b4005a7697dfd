import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EnvdConfigError, parseEnvdConfig } from './envd-config.js';
import { DEFAULT_CONFIG_PATH, FALLBACK_PATH, loadStartup } from './load-config.js';

describe('parseEnvdConfig', () => {
  it('applies defaults', () => {
    assert.deepEqual(parseEnvdConfig({ sandboxId: 's', templateId: 't' }), {
      sandboxId: 's',
      templateId: 't',
      socketDir: '/run/soulbox',
      envVars: {},
      defaultUser: 'user',
      defaultWorkdir: '/home/user',
      childOomScoreAdj: undefined,
      codeInterpreter: false,
    });
  });

  it('takes every documented setting; "" or null workdir means none', () => {
    const config = parseEnvdConfig({
      sandboxId: 's',
      templateId: 't',
      socketDir: '/x',
      envVars: { A: '1' },
      defaultUser: 'root',
      defaultWorkdir: null,
      childOomScoreAdj: -500,
      codeInterpreter: true,
    });
    assert.equal(config.defaultWorkdir, undefined);
    assert.equal(config.childOomScoreAdj, -500);
    assert.equal(config.codeInterpreter, true);
    assert.equal(
      parseEnvdConfig({ sandboxId: 's', templateId: 't', defaultWorkdir: '' }).defaultWorkdir,
      undefined,
    );
  });

  it('names the bad setting', () => {
    const bad: Array<[unknown, string]> = [
      [[], '(root)'],
      [{ templateId: 't' }, 'sandboxId'],
      [{ sandboxId: 's', templateId: 't', extra: 1 }, 'extra'],
      [{ sandboxId: 's', templateId: 't', socketDir: 'rel' }, 'socketDir'],
      [{ sandboxId: 's', templateId: 't', envVars: { A: 1 } }, 'envVars.A'],
      [{ sandboxId: 's', templateId: 't', envVars: { 'A=B': 'x' } }, 'envVars.A=B'],
      [{ sandboxId: 's', templateId: 't', defaultWorkdir: 'home' }, 'defaultWorkdir'],
      [{ sandboxId: 's', templateId: 't', childOomScoreAdj: 1001 }, 'childOomScoreAdj'],
      [{ sandboxId: 's', templateId: 't', defaultUser: '' }, 'defaultUser'],
      [{ sandboxId: 's', templateId: 't', codeInterpreter: 'yes' }, 'codeInterpreter'],
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
  it('reads the file named by SOULBOX_ENVD_CONFIG and passes PATH on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envd-config-'));
    try {
      const path = join(dir, 'c.json');
      writeFileSync(path, JSON.stringify({ sandboxId: 's', templateId: 't' }));
      const startup = loadStartup({ SOULBOX_ENVD_CONFIG: path, PATH: '/bin' });
      assert.equal(startup.configPath, path);
      assert.equal(startup.pathEnv, '/bin');
      assert.equal(loadStartup({ SOULBOX_ENVD_CONFIG: path }).pathEnv, FALLBACK_PATH);
      writeFileSync(path, '{nope');
      assert.throws(() => loadStartup({ SOULBOX_ENVD_CONFIG: path }), /not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(DEFAULT_CONFIG_PATH, '/run/soulbox/config.json');
  });
});

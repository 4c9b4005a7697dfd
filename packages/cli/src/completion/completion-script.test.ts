import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { CliIo } from '../context.js';
import { createProgram } from '../program.js';
import { bashCompletion, zshCompletion } from './completion-script.js';

const io: CliIo = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: process.stdin,
  env: {},
  cwd: '/',
  onSignal: () => () => {},
};

/** Runs the completion function for a command line and returns the suggestions. */
function complete(words: string[]): string[] {
  const script = `${bashCompletion(createProgram(io))}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_soulbox; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('shell completion', () => {
  it('completes verbs, sub-verbs and flags from the command tree', () => {
    assert.ok(complete(['soulbox', 'sa']).includes('sandbox'));
    assert.deepEqual(complete(['soulbox', 'sandbox', 'c']), ['create']);
    assert.ok(complete(['soulbox', 'sandbox', 'create', '--t']).includes('--template'));
    assert.ok(complete(['soulbox', 'exec', 'abc', '--']).includes('--user'));
    assert.ok(complete(['soulbox', 'template', '']).includes('build'));
  });
  it('zsh gets the same function through bashcompinit', () => {
    const z = zshCompletion(createProgram(io));
    assert.match(z, /^#compdef soulbox\n/);
    assert.match(z, /bashcompinit/);
  });
});

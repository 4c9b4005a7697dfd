import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { createProgram } from '../program.js';
import { renderCliReference } from './cli-reference.js';

const io: CliIo = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  stdin: process.stdin,
  env: {},
  cwd: '/',
  onSignal: () => () => {},
};

function all(c: Command): Command[] {
  return c.commands.filter((s) => s.name() !== 'help').flatMap((s) => [s, ...all(s)]);
}

describe('CLI reference', () => {
  it('docs/cli.md lists exactly the verbs and flags of the command definitions', () => {
    const doc = fs.readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
    const m = /<!-- BEGIN GENERATED REFERENCE -->\n([\s\S]*)<!-- END GENERATED REFERENCE -->/.exec(doc);
    assert.ok(m, 'docs/cli.md has the generated-reference markers');
    assert.equal(
      m[1],
      renderCliReference(createProgram(io)),
      'docs/cli.md is stale: run npx tsc -b packages/cli && node packages/cli/scripts/gen-cli-docs.mjs',
    );
  });

  it('every verb has --help text with an example', () => {
    for (const c of [createProgram(io), ...all(createProgram(io))]) {
      let help = '';
      c.configureOutput({ writeOut: (s) => (help += s) });
      c.outputHelp();
      assert.match(help, /Example:\n {2}\$ soulbox/, `${c.name()} --help has no example`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoulBoxError } from '../errors/index.js';
import { expandEnv, parseSteps, resolveBase } from './build-steps.js';

describe('build steps', () => {
  it('parses the Dockerfile subset in E2B step form', () => {
    const steps = parseSteps([
      { type: 'RUN', args: ['apt-get update'] },
      { type: 'RUN', args: ['["echo","hi"]'] },
      { type: 'COPY', args: ['app', '/srv/app', 'user', '0755'], filesHash: 'a'.repeat(64) },
      { type: 'ENV', args: ['A', '1', 'B', '2'] },
      { type: 'WORKDIR', args: ['/srv'] },
      { type: 'USER', args: ['user'] },
    ]);
    assert.deepEqual(steps[1], { type: 'RUN', command: '["echo","hi"]', argv: ['echo', 'hi'] });
    assert.deepEqual(steps[2], {
      type: 'COPY',
      src: 'app',
      dest: '/srv/app',
      owner: 'user',
      mode: '0755',
      filesHash: 'a'.repeat(64),
    });
    assert.deepEqual(steps[3], {
      type: 'ENV',
      vars: [
        ['A', '1'],
        ['B', '2'],
      ],
    });
  });

  it('refuses what it cannot build, naming the step', () => {
    const refused = (s: Parameters<typeof parseSteps>[0][number]) =>
      assert.throws(
        () => parseSteps([s]),
        (e: unknown) => e instanceof SoulBoxError && /step 1/.test(e.message),
      );
    refused({ type: 'CMD', args: ['x'] });
    refused({ type: 'COPY', args: ['../etc', '/x'], filesHash: 'a'.repeat(64) });
    refused({ type: 'COPY', args: ['a', '/x'] });
    refused({ type: 'ENV', args: ['1BAD', 'x'] });
    refused({ type: 'USER', args: ['bad user'] });
  });

  it('maps debian:bookworm to base and refuses other images', () => {
    assert.equal(resolveBase({ image: 'debian:bookworm' }), 'base');
    assert.equal(resolveBase({ image: 'debian:12-slim' }), 'base');
    assert.equal(resolveBase({ image: 'docker.io/library/debian:bookworm-slim' }), 'base');
    assert.equal(resolveBase({ template: 'polyglot' }), 'polyglot');
    assert.throws(() => resolveBase({ image: 'ubuntu:24.04' }), /only debian:bookworm/);
    assert.throws(() => resolveBase({ image: 'debian:trixie' }), /only debian:bookworm/);
  });

  it('expands variables as Docker does in ENV', () => {
    const env = { PATH: '/usr/bin', HOME: '/root' };
    assert.equal(expandEnv('/opt/bin:$PATH', env), '/opt/bin:/usr/bin');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Docker's ${VAR} syntax, not a JS template.
    assert.equal(expandEnv('${HOME}/x', env), '/root/x');
    assert.equal(expandEnv('$NOPE-\\$HOME', env), '-$HOME');
  });
});

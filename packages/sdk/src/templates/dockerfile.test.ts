import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoulBoxClientError } from '../errors.js';
import { parseDockerfile, shellWords } from './dockerfile.js';

describe('Dockerfile subset', () => {
  it('parses FROM, RUN (with continuations), COPY, ENV, WORKDIR, USER', () => {
    const d = parseDockerfile(`# comment
FROM base
RUN apt-get update \\
 # a comment inside a continuation
 && apt-get install -y ruby
RUN ["echo", "exec form"]
COPY --chown=user:user --chmod=0755 app/ /srv/app
COPY a.txt b.txt /dst/
ENV A=1 B="two words" C=x\\ y
ENV LEGACY value with spaces
workdir /srv
USER user
`);
    assert.deepEqual(d.from, { template: 'base' });
    assert.deepEqual(
      d.steps.map((s) => s.type),
      ['RUN', 'RUN', 'COPY', 'COPY', 'COPY', 'ENV', 'ENV', 'WORKDIR', 'USER'],
    );
    assert.equal((d.steps[0] as { command: string }).command, 'apt-get update && apt-get install -y ruby');
    assert.equal(d.steps[0]!.line, 3);
    assert.equal((d.steps[1] as { command: string }).command, '["echo","exec form"]');
    assert.deepEqual(d.steps[2], {
      line: 7,
      type: 'COPY',
      src: 'app/',
      dest: '/srv/app',
      chown: 'user:user',
      chmod: '0755',
    });
    assert.deepEqual(d.steps[5], {
      line: 9,
      type: 'ENV',
      vars: [
        ['A', '1'],
        ['B', 'two words'],
        ['C', 'x y'],
      ],
    });
    assert.deepEqual(d.steps[6], { line: 10, type: 'ENV', vars: [['LEGACY', 'value with spaces']] });
  });

  it('tells images from templates', () => {
    assert.deepEqual(parseDockerfile('FROM debian:bookworm').from, { image: 'debian:bookworm' });
    assert.deepEqual(parseDockerfile('FROM ubuntu').from, { image: 'ubuntu' });
    assert.deepEqual(parseDockerfile('FROM polyglot').from, { template: 'polyglot' });
  });

  it('refuses the rest with the line number', () => {
    const refused = (text: string, re: RegExp) =>
      assert.throws(
        () => parseDockerfile(text),
        (e: unknown) => e instanceof SoulBoxClientError && re.test(e.message),
      );
    refused('FROM base\nCMD ["x"]', /line 2: CMD is not supported/);
    refused('RUN x', /line 1: the first instruction must be FROM/);
    refused('FROM base AS build', /multi-stage/);
    refused('FROM base\nFROM base', /only one FROM/);
    refused('FROM base\nCOPY --from=x a b', /--from is not supported/);
    refused('FROM base\nCOPY a b c', /ending in \//);
    refused('FROM base\nCOPY *.txt /x/', /wildcards/);
    refused('FROM base\nADD a /a', /ADD is not supported/);
    refused('# nothing', /no FROM/);
  });

  it('splits words like a shell', () => {
    assert.deepEqual(shellWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
    assert.throws(() => shellWords('"open'), /unterminated/);
  });
});

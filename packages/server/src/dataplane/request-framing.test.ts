import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { framingProblem } from './request-framing.js';

describe('data-plane request framing', () => {
  it('refuses a body on GET, HEAD, DELETE, OPTIONS and TRACE (the smuggling vector)', () => {
    for (const m of ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'get']) {
      assert.match(framingProblem(m, ['Transfer-Encoding', 'chunked']) ?? '', /a body on/);
      assert.match(framingProblem(m, ['Content-Length', '12']) ?? '', /a body on/);
      assert.equal(framingProblem(m, ['Content-Length', '0']), undefined);
      assert.equal(framingProblem(m, []), undefined);
    }
  });

  it('lets bodies of POST, PUT and PATCH through when framed one way', () => {
    for (const m of ['POST', 'PUT', 'PATCH']) {
      assert.equal(framingProblem(m, ['Transfer-Encoding', 'chunked']), undefined);
      assert.equal(framingProblem(m, ['Content-Length', '5']), undefined);
    }
  });

  it('refuses ambiguous framing', () => {
    assert.match(
      framingProblem('POST', ['Content-Length', '5', 'Transfer-Encoding', 'chunked']) ?? '',
      /both/,
    );
    assert.match(framingProblem('POST', ['Content-Length', '5', 'content-length', '6']) ?? '', /conflicting/);
    assert.match(framingProblem('POST', ['Content-Length', '+5']) ?? '', /invalid/);
    assert.match(
      framingProblem('POST', ['Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'chunked']) ?? '',
      /other than one/,
    );
    assert.match(framingProblem('POST', ['Transfer-Encoding', 'chunked, identity']) ?? '', /other than one/);
  });
});

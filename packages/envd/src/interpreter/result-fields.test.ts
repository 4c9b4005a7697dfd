import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outputLine } from './execute-stream.js';
import { normalizeLanguage } from './languages.js';
import { resultLine, unquote } from './result-fields.js';

describe('result lines', () => {
  it('maps MIME types to the SDK fields, the rest to extra', () => {
    assert.deepEqual(
      resultLine(
        {
          'text/plain': "'hi'",
          'text/html': '<b>',
          'image/png': 'iVBOR',
          'application/json': { a: 1 },
          'e2b/data': { x: [1] },
          'application/vnd.custom': 'c',
        },
        true,
      ),
      {
        type: 'result',
        text: 'hi',
        html: '<b>',
        png: 'iVBOR',
        json: { a: 1 },
        data: { x: [1] },
        extra: { 'application/vnd.custom': 'c' },
        is_main_result: true,
      },
    );
    assert.deepEqual(resultLine({ 'image/svg+xml': '<svg/>' }, false), {
      type: 'result',
      svg: '<svg/>',
      is_main_result: false,
    });
  });

  it('removes one pair of matching quotes only', () => {
    assert.equal(unquote("'supertest'"), 'supertest');
    assert.equal(unquote('"it\'s"'), "it's");
    assert.equal(unquote('\'a"'), '\'a"');
    assert.equal(unquote("''x''"), "'x'");
    assert.equal(unquote("'"), "'");
  });

  it('writes the other line types as upstream does', () => {
    const now = () => new Date('2024-01-01T00:00:00Z');
    assert.deepEqual(outputLine({ type: 'stdout', text: 'x\n' }, now), {
      type: 'stdout',
      text: 'x\n',
      timestamp: '2024-01-01T00:00:00.000Z',
    });
    assert.deepEqual(outputLine({ type: 'execution_count', count: 3 }), {
      type: 'number_of_executions',
      execution_count: 3,
    });
    assert.deepEqual(outputLine({ type: 'error', name: 'E', value: 'v', traceback: 't' }), {
      type: 'error',
      name: 'E',
      value: 'v',
      traceback: 't',
    });
  });
});

describe('normalizeLanguage', () => {
  it('trims, lower-cases and expands js/ts; none is python', () => {
    assert.equal(normalizeLanguage(undefined), 'python');
    assert.equal(normalizeLanguage(''), 'python');
    assert.equal(normalizeLanguage(' Python '), 'python');
    assert.equal(normalizeLanguage('JS'), 'javascript');
    assert.equal(normalizeLanguage('ts'), 'typescript');
    assert.equal(normalizeLanguage('R'), 'r');
    assert.throws(() => normalizeLanguage('bash'), { code: 'INVALID_ARGUMENT' });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoulBoxClientError } from '@soulbox/sdk';
import { maskKey } from '../commands/config.js';
import { parseOperand } from '../commands/cp.js';
import { commandLine, exitStatusOf, shellQuote } from '../commands/exec.js';
import { formatSandboxTable } from '../commands/sandbox-list.js';
import { formatError } from './errors.js';
import { formatLogEntry } from './log-line.js';
import { renderProgress } from './progress.js';
import { formatBytes, formatRelative, formatTable } from './table.js';

describe('formatting', () => {
  it('renders aligned tables', () => {
    assert.equal(
      formatTable(
        ['A', 'LONG'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
      ),
      'A    LONG\nxyz  1\nq    22',
    );
    const now = Date.parse('2026-01-01T00:00:00Z');
    const table = formatSandboxTable(
      [
        {
          sandboxID: 'abc',
          templateID: 'base',
          state: 'running',
          startedAt: '2025-12-31T23:58:00Z',
          endAt: '2026-01-01T00:05:00Z',
          cpuCount: 2,
          memoryMB: 512,
          diskSizeMB: 2048,
          envdVersion: '0.6.4',
        },
      ],
      now,
    );
    assert.match(table, /^SANDBOX ID {2}TEMPLATE {2}STATE/);
    assert.match(table, /abc +base +running +2m ago +in 5m +2 +512 MiB/);
  });
  it('formats sizes, times, progress and keys', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
    assert.equal(formatRelative(null), '-');
    assert.equal(renderProgress(50, 100, 10), '[#####-----]  50%  50 B / 100 B');
    assert.equal(maskKey('e2b_0123456789abcdef'), 'e2b_0123…cdef');
  });
  it('quotes exec arguments only when needed', () => {
    assert.equal(shellQuote('plain-arg'), 'plain-arg');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(commandLine(['echo $HOME | wc']), 'echo $HOME | wc');
    assert.equal(commandLine(['python3', '-c', 'print(1)']), `python3 -c 'print(1)'`);
    assert.equal(exitStatusOf(3), 3);
    assert.equal(exitStatusOf(-1), 137);
  });
  it('tells sandbox paths from local ones', () => {
    assert.deepEqual(parseOperand('abc123:/home/user'), {
      kind: 'sandbox',
      sandboxId: 'abc123',
      path: '/home/user',
    });
    assert.deepEqual(parseOperand('./a:b'), { kind: 'local', path: './a:b' });
    assert.deepEqual(parseOperand('/tmp/x'), { kind: 'local', path: '/tmp/x' });
  });
  it('prints log lines with their source', () => {
    const line = formatLogEntry({
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'info',
      message: 'hello',
      fields: { source: 'process', pid: '7', stream: 'stdout' },
      seq: 1,
    });
    assert.equal(line, '2026-01-01T00:00:00.000Z INFO  [pid 7 stdout] hello');
  });
  it('makes one-line errors', () => {
    assert.equal(formatError(new Error('a\nb')), 'a');
    assert.match(
      formatError(new SoulBoxClientError('api', 'bad key', { code: 'UNAUTHENTICATED', status: 401 })),
      /refused the API key/,
    );
  });
});

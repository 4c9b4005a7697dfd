import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { dataPlaneTarget } from './target.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('data-plane routing', () => {
  it('routes by E2B headers', () => {
    assert.deepEqual(
      dataPlaneTarget(req({ 'e2b-sandbox-id': 'abc123', 'e2b-sandbox-port': '49983' }), 'localhost'),
      {
        kind: 'sandbox',
        sandboxId: 'abc123',
        port: 49983,
      },
    );
  });
  it('reports a missing or bad header', () => {
    assert.equal(dataPlaneTarget(req({ 'e2b-sandbox-id': 'abc' }), 'localhost')?.kind, 'error');
    assert.equal(
      dataPlaneTarget(req({ 'e2b-sandbox-id': 'abc', 'e2b-sandbox-port': '99999' }), 'localhost')?.kind,
      'error',
    );
    assert.equal(
      dataPlaneTarget(req({ 'e2b-sandbox-id': '../x', 'e2b-sandbox-port': '80' }), 'localhost')?.kind,
      'error',
    );
  });
  it('routes {port}-{id}.{domain} hosts and leaves other hosts to the API', () => {
    assert.deepEqual(dataPlaneTarget(req({ host: '8000-abc123.localhost:3000' }), 'localhost'), {
      kind: 'sandbox',
      sandboxId: 'abc123',
      port: 8000,
    });
    assert.equal(dataPlaneTarget(req({ host: '127.0.0.1:3000' }), 'localhost'), undefined);
    assert.equal(dataPlaneTarget(req({ host: 'localhost:3000' }), 'localhost'), undefined);
    assert.equal(dataPlaneTarget(req({ host: 'x.y.localhost' }), 'localhost'), undefined);
  });
});

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { createJupyterSession, DELIMITER } from './jupyter-message.js';

describe('Jupyter wire messages', () => {
  it('frames a message as delimiter, HMAC-SHA256 hex, header, parent, metadata, content', () => {
    const session = createJupyterSession('secret');
    const { frames, msgId } = session.encode('execute_request', { code: '1' });
    assert.equal(frames.length, 6);
    assert.equal(frames[0]?.toString(), DELIMITER);
    const header = JSON.parse(frames[2]?.toString() ?? '{}') as Record<string, string>;
    assert.equal(header.msg_id, msgId);
    assert.equal(header.msg_type, 'execute_request');
    assert.equal(header.session, session.id);
    assert.equal(header.version, '5.3');
    const mac = createHmac('sha256', 'secret');
    for (const f of frames.slice(2)) mac.update(f);
    assert.equal(frames[1]?.toString(), mac.digest('hex'));
  });

  it('decodes a reply routed through identities and checks its signature', () => {
    const kernel = createJupyterSession('secret');
    const client = createJupyterSession('secret');
    const { frames } = kernel.encode('status', { execution_state: 'idle' });
    const decoded = client.decode([Buffer.from('topic'), ...frames]);
    assert.equal(decoded?.header.msg_type, 'status');
    assert.deepEqual(decoded?.content, { execution_state: 'idle' });
    const forged = [...frames];
    forged[5] = Buffer.from('{"execution_state":"busy"}');
    assert.equal(client.decode(forged), undefined);
    assert.equal(createJupyterSession('other').decode(frames), undefined);
  });

  it('leaves messages unsigned with an empty key', () => {
    const session = createJupyterSession('');
    const { frames } = session.encode('kernel_info_request', {});
    assert.equal(frames[1]?.length, 0);
    assert.equal(session.decode(frames)?.header.msg_type, 'kernel_info_request');
  });
});

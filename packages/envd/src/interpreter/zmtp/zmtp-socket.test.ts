import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  encodeGreeting,
  encodeMessage,
  encodeReady,
  parseCommand,
  parseProperties,
  ZmtpReader,
} from './zmtp-codec.js';
import { connectZmtp } from './zmtp-socket.js';

/** A peer speaking ZMTP with our own codec: enough to check the client's side of the handshake. */
function startPeer(type: string, onFrames: (socket: Socket, bodies: Buffer[]) => void): Promise<Server> {
  const server = createServer((socket) => {
    // Test peers must not keep the test process alive.
    socket.unref();
    const reader = new ZmtpReader();
    socket.write(encodeGreeting());
    socket.write(encodeReady({ 'Socket-Type': type }));
    let parts: Buffer[] = [];
    socket.on('data', (chunk) => {
      for (const frame of reader.push(chunk)) {
        if (frame.command) {
          const { name, data } = parseCommand(frame.body);
          parts.push(Buffer.from(`${name}:${parseProperties(data)['Socket-Type']}`));
          onFrames(socket, parts);
          parts = [];
          continue;
        }
        parts.push(frame.body);
        if (!frame.more) {
          onFrames(socket, parts);
          parts = [];
        }
      }
    });
  });
  server.unref();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

describe('connectZmtp', () => {
  const servers: Server[] = [];
  const clients: Array<{ close(): void }> = [];
  after(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.close();
  });

  it('handshakes as DEALER and exchanges multipart messages both ways', async () => {
    const seen: string[][] = [];
    const server = await startPeer('ROUTER', (socket, bodies) => {
      seen.push(bodies.map((b) => b.toString()));
      if (bodies[0]?.toString() === 'ping')
        socket.write(encodeMessage([Buffer.from('pong'), Buffer.alloc(500, 65)]));
    });
    servers.push(server);
    const received: Buffer[][] = [];
    const gotReply = new Promise<void>((resolve) => {
      void connectZmtp({
        host: '127.0.0.1',
        port: portOf(server),
        type: 'DEALER',
        onMessage: (frames) => {
          received.push(frames);
          resolve();
        },
      }).then((socket) => {
        clients.push(socket);
        socket.send([Buffer.from('ping'), Buffer.from('x')]);
      });
    });
    await gotReply;
    assert.deepEqual(seen, [['READY:DEALER'], ['ping', 'x']]);
    assert.equal(received[0]?.[0]?.toString(), 'pong');
    assert.equal(received[0]?.[1]?.length, 500);
  });

  it('subscribes as SUB with a \\x01-prefixed message', async () => {
    let subscription: Buffer | undefined;
    const subscribed = new Promise<void>((resolve) => {
      void startPeer('PUB', (_socket, bodies) => {
        if (!bodies[0]?.toString().startsWith('READY')) {
          subscription = bodies[0];
          resolve();
        }
      }).then(async (server) => {
        servers.push(server);
        const socket = await connectZmtp({
          host: '127.0.0.1',
          port: portOf(server),
          type: 'SUB',
          onMessage() {},
        });
        clients.push(socket);
        socket.subscribe('');
      });
    });
    await subscribed;
    assert.deepEqual([...(subscription ?? [])], [1]);
  });

  it('refuses an incompatible peer and reports a refused connection with its errno', async () => {
    const server = await startPeer('PUB', () => {});
    servers.push(server);
    await assert.rejects(
      connectZmtp({ host: '127.0.0.1', port: portOf(server), type: 'DEALER', onMessage() {} }),
      /cannot talk to a PUB peer/,
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(connectZmtp({ host: '127.0.0.1', port, type: 'DEALER', onMessage() {} }), {
      code: 'ECONNREFUSED',
    });
  });
});

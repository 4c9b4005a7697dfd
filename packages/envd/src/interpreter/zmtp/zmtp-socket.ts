import { connect, type Socket } from 'node:net';
import {
  encodeGreeting,
  encodeMessage,
  encodeReady,
  parseCommand,
  parseGreeting,
  parseProperties,
  ZmtpProtocolError,
  ZmtpReader,
} from './zmtp-codec.js';

/** The socket types a Jupyter client uses: DEALER for shell/control, SUB for iopub. */
export type ZmtpSocketType = 'DEALER' | 'SUB';

export interface ZmtpConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly type: ZmtpSocketType;
  /**
   * A complete multipart message arrived. `skippedBytes` > 0: a frame of it was too large
   * and was dropped (its body is empty), so the message is incomplete.
   */
  readonly onMessage: (frames: Buffer[], skippedBytes: number) => void;
  /** The connection ended after the handshake; `error` when it broke. Not called on close(). */
  readonly onClose?: (error?: Error) => void;
  /**
   * Give up on the handshake after this long.
   * @default 5000
   */
  readonly handshakeTimeoutMs?: number;
}

/** One ZMTP connection after a finished handshake. */
export interface ZmtpSocket {
  send(frames: readonly Uint8Array[]): void;
  /** SUB only: receive messages whose first frame starts with `prefix` ("" = everything). */
  subscribe(prefix: string): void;
  close(): void;
}

/** Which peer types each of ours may talk to (ZMTP 3.0 §"The Socket-Type property"). */
const COMPATIBLE: Record<ZmtpSocketType, readonly string[]> = {
  DEALER: ['ROUTER', 'DEALER', 'REP'],
  SUB: ['PUB', 'XPUB'],
};

/**
 * Connects to a ZeroMQ peer over TCP and completes the ZMTP 3.0 NULL handshake. No
 * reconnects, no queueing: the caller (a kernel client) owns retries, and a broken
 * connection means a dead kernel.
 * @throws Error with `code` ECONNREFUSED etc. while the peer is not listening yet, or
 *   ZmtpProtocolError for a peer that is not a compatible ZeroMQ socket
 */
export function connectZmtp(options: ZmtpConnectOptions): Promise<ZmtpSocket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    const reader = new ZmtpReader();
    let ready = false;
    let closedByUs = false;
    let parts: Buffer[] = [];
    let skipped = 0;

    const timer = setTimeout(
      () => fail(new ZmtpProtocolError('ZMTP handshake timed out')),
      options.handshakeTimeoutMs ?? 5000,
    );

    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (!ready) reject(error);
    };

    const api: ZmtpSocket = {
      send(frames) {
        if (!socket.destroyed) socket.write(encodeMessage(frames));
      },
      subscribe(prefix) {
        api.send([Buffer.concat([Buffer.from([1]), Buffer.from(prefix, 'utf8')])]);
      },
      close() {
        closedByUs = true;
        socket.destroy();
      },
    };

    socket.on('connect', () => {
      socket.write(encodeGreeting());
      const props: Record<string, string> = { 'Socket-Type': options.type };
      if (options.type === 'DEALER') props.Identity = '';
      socket.write(encodeReady(props));
    });

    socket.on('data', (chunk: Buffer) => {
      try {
        const hadGreeting = reader.greeting !== undefined;
        const frames = reader.push(chunk);
        if (!hadGreeting && reader.greeting) parseGreeting(reader.greeting);
        for (const frame of frames) {
          if (frame.command) {
            const { name, data } = parseCommand(frame.body);
            if (name === 'READY' && !ready) {
              const peer = parseProperties(data)['Socket-Type'] ?? '';
              if (!COMPATIBLE[options.type].includes(peer)) {
                throw new ZmtpProtocolError(
                  `a ${options.type} socket cannot talk to a ${peer || 'untyped'} peer`,
                );
              }
              ready = true;
              clearTimeout(timer);
              resolve(api);
            } else if (name === 'ERROR') {
              throw new ZmtpProtocolError(`peer refused: ${data.subarray(1).toString('utf8')}`);
            }
            // PING/PONG and other commands need no answer from a client without heartbeats.
            continue;
          }
          if (!ready) throw new ZmtpProtocolError('message before the handshake finished');
          parts.push(frame.body);
          skipped += frame.skippedBytes;
          if (!frame.more) {
            const message = parts;
            const skippedBytes = skipped;
            parts = [];
            skipped = 0;
            options.onMessage(message, skippedBytes);
          }
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        if (ready && !closedByUs) options.onClose?.(error instanceof Error ? error : undefined);
        closedByUs = true;
      }
    });

    socket.on('error', (error) => {
      if (!ready) fail(error);
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (!ready) {
        reject(new Error('connection closed during the ZMTP handshake'));
        return;
      }
      if (!closedByUs) options.onClose?.(hadError ? new Error('connection reset') : undefined);
    });
  });
}

import { fromBinary, fromJsonString } from '@bufbuild/protobuf';
import { type StartResponse, StartResponseSchema } from '@soulbox/proto';

/** What the tap reports: complete output lines of one process. */
export interface ProcessOutputSink {
  line(pid: number, stream: 'stdout' | 'stderr', text: string): void;
  /** Output past the budget was not logged. */
  truncated(pid: number, limitBytes: number): void;
}

/** Options for {@link createProcessOutputTap}. */
export interface ProcessOutputTapOptions {
  /** `content-type` of the Connect response (`application/connect+json` or `+proto`). */
  contentType: string;
  sink: ProcessOutputSink;
  /** Output bytes logged per process; the tap stops decoding after this. @default 262144 */
  maxBytes?: number;
  /** Longest line logged. @default 4096 */
  maxLineBytes?: number;
}

/** Feed it the response bytes of one `process.Process/Start` stream. */
export interface ProcessOutputTap {
  /** Returns false once the tap has stopped (budget spent or stream ended): detach then. */
  write(chunk: Buffer): boolean;
  end(): void;
}

/**
 * Decodes the Connect server-stream envelopes of a Start response (flag byte, 4-byte length,
 * message) and turns stdout/stderr data events into log lines. It only reads bytes the data
 * plane forwards anyway, and stops after a fixed budget, so a chatty process costs the hot
 * path at most `maxBytes` of decoding. PTY output is not logged (it is a terminal's byte
 * stream, not lines).
 */
export function createProcessOutputTap(o: ProcessOutputTapOptions): ProcessOutputTap {
  const json = o.contentType.includes('json');
  const maxBytes = o.maxBytes ?? 256 * 1024;
  const maxLine = o.maxLineBytes ?? 4096;
  let buf: Buffer = Buffer.alloc(0);
  let pid = 0;
  let seen = 0;
  let done = false;
  const partial: Record<'stdout' | 'stderr', Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

  const emitLines = (stream: 'stdout' | 'stderr', data: Buffer, flush: boolean) => {
    let rest = Buffer.concat([partial[stream], data]);
    let nl = rest.indexOf(10);
    while (nl >= 0) {
      o.sink.line(pid, stream, rest.subarray(0, Math.min(nl, maxLine)).toString('utf8'));
      rest = rest.subarray(nl + 1);
      nl = rest.indexOf(10);
    }
    if (rest.length > maxLine || (flush && rest.length > 0)) {
      o.sink.line(pid, stream, rest.subarray(0, maxLine).toString('utf8'));
      rest = Buffer.alloc(0);
    }
    partial[stream] = Buffer.from(rest);
  };

  const flushAll = () => {
    emitLines('stdout', Buffer.alloc(0), true);
    emitLines('stderr', Buffer.alloc(0), true);
  };

  const onMessage = (payload: Buffer) => {
    let msg: StartResponse;
    try {
      msg = json
        ? fromJsonString(StartResponseSchema, payload.toString('utf8'), { ignoreUnknownFields: true })
        : fromBinary(StartResponseSchema, payload);
    } catch {
      return;
    }
    const ev = msg.event?.event;
    if (ev?.case === 'start') pid = ev.value.pid;
    else if (ev?.case === 'data') {
      const out = ev.value.output;
      if (out.case !== 'stdout' && out.case !== 'stderr') return;
      seen += out.value.length;
      emitLines(out.case, Buffer.from(out.value), false);
      if (seen > maxBytes) {
        flushAll();
        o.sink.truncated(pid, maxBytes);
        done = true;
      }
    } else if (ev?.case === 'end') {
      flushAll();
    }
  };

  return {
    write(chunk) {
      if (done) return false;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (!done && buf.length >= 5) {
        const flags = buf[0]!;
        const len = buf.readUInt32BE(1);
        if (buf.length < 5 + len) break;
        const payload = buf.subarray(5, 5 + len);
        buf = buf.subarray(5 + len);
        // 0x02 = end-of-stream; 0x01 = compressed, which SoulBox clients do not negotiate.
        if (flags & 0x02) {
          flushAll();
          done = true;
        } else if (!(flags & 0x01)) onMessage(payload);
      }
      return !done;
    },
    end() {
      if (!done) flushAll();
      done = true;
    },
  };
}

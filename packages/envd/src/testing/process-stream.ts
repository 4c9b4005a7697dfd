import type { ConnectResponse, ProcessEvent_EndEvent, StartResponse } from '@soulbox/proto';

/** Everything one Start/Connect stream delivered. */
export interface CollectedStream {
  pid: number;
  stdout: string;
  stderr: string;
  pty: string;
  keepalives: number;
  end: ProcessEvent_EndEvent | undefined;
  /** Event kinds in arrival order: start, stdout, stderr, pty, keepalive, end. */
  order: string[];
}

export function emptyCollected(): CollectedStream {
  return { pid: 0, stdout: '', stderr: '', pty: '', keepalives: 0, end: undefined, order: [] };
}

/** Folds one streamed message into `into`. */
export function addEvent(into: CollectedStream, message: StartResponse | ConnectResponse): void {
  const event = message.event?.event;
  switch (event?.case) {
    case 'start':
      into.pid = event.value.pid;
      into.order.push('start');
      break;
    case 'data': {
      const output = event.value.output;
      if (output.case) {
        into[output.case] += Buffer.from(output.value).toString('utf8');
        into.order.push(output.case);
      }
      break;
    }
    case 'keepalive':
      into.keepalives++;
      into.order.push('keepalive');
      break;
    case 'end':
      into.end = event.value;
      into.order.push('end');
      break;
    default:
      into.order.push('unknown');
  }
}

/** Reads a stream to its end. */
export async function collect(
  stream: AsyncIterable<StartResponse | ConnectResponse>,
): Promise<CollectedStream> {
  const out = emptyCollected();
  for await (const message of stream) addEvent(out, message);
  return out;
}

/** Reads until `until` holds (or the stream ends), leaving the stream open. */
export async function readUntil(
  iterator: AsyncIterator<StartResponse | ConnectResponse>,
  into: CollectedStream,
  until: (c: CollectedStream) => boolean,
): Promise<CollectedStream> {
  while (!until(into)) {
    const next = await iterator.next();
    if (next.done) break;
    addEvent(into, next.value);
  }
  return into;
}

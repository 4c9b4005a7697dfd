/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses a text/event-stream body into events (the subset servers use: `event`, `data`,
 * `id`, comments). Multi-line `data` is joined with newlines, per the spec.
 */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  let ev: { event?: string; data: string[]; id?: string } = { data: [] };
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let nl = buf.search(/\r?\n/);
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(buf[nl] === '\r' ? nl + 2 : nl + 1);
      if (line === '') {
        if (ev.data.length > 0 || ev.event) {
          yield { event: ev.event ?? 'message', data: ev.data.join('\n'), ...(ev.id ? { id: ev.id } : {}) };
        }
        ev = { data: [] };
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') ev.data.push(value);
        else if (field === 'event') ev.event = value;
        else if (field === 'id') ev.id = value;
      }
      nl = buf.search(/\r?\n/);
    }
  }
}

import fs from 'node:fs';

/** One read buffer for every tail: reads are synchronous, so they never overlap. */
const chunk = Buffer.alloc(64 * 1024);

/** Options for {@link tailFile}. */
export interface TailOptions {
  /** Called with each complete line (without the newline). */
  onLine(line: string): void;
  /** Longest line passed on; the rest of a longer line is dropped. @default 16384 */
  maxLineBytes?: number;
}

/** A running tail; `stop()` reads what is left, then releases the watcher. */
export interface FileTail {
  stop(): void;
}

/**
 * Follows a growing file (envd's stdout, which runc writes to `sandbox.log`) from its start.
 * inotify (fs.watch) wakes it; reads are synchronous and small, and happen only when envd
 * writes, which is a few lines per process, so the cost is negligible. A missing file or a
 * vanished directory simply ends the tail. envd empties the file when it reaches its cap
 * (it is written by the sandbox, so it is bounded); a file shorter than what was read is
 * read again from its start.
 */
export function tailFile(file: string, o: TailOptions): FileTail {
  const maxLine = o.maxLineBytes ?? 16_384;
  let offset = 0;
  let partial = Buffer.alloc(0);
  let skipping = false;
  let watcher: fs.FSWatcher | undefined;

  const drain = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      if (fs.fstatSync(fd).size < offset) {
        offset = 0;
        partial = Buffer.alloc(0);
        skipping = false;
      }
      for (;;) {
        const n = fs.readSync(fd, chunk, 0, chunk.length, offset);
        if (n <= 0) break;
        offset += n;
        let data = Buffer.concat([partial, chunk.subarray(0, n)]);
        let nl = data.indexOf(10);
        while (nl >= 0) {
          if (!skipping) {
            const line = data.subarray(0, Math.min(nl, maxLine)).toString('utf8');
            o.onLine(nl > maxLine ? `${line}…` : line);
          }
          skipping = false;
          data = data.subarray(nl + 1);
          nl = data.indexOf(10);
        }
        if (data.length > maxLine) {
          if (!skipping) o.onLine(`${data.subarray(0, maxLine).toString('utf8')}…`);
          skipping = true;
          data = Buffer.alloc(0);
        }
        partial = Buffer.from(data);
      }
    } finally {
      fs.closeSync(fd);
    }
  };

  drain();
  try {
    watcher = fs.watch(file, { persistent: false }, () => drain());
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    stop() {
      drain();
      watcher?.close();
      watcher = undefined;
    },
  };
}

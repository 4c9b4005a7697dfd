import { fstatSync, ftruncateSync, writeSync } from 'node:fs';

/**
 * A line sink for envd's log when its stdout is a file on the host (runc hands envd the
 * server's `sandbox.log`). Whatever happens in the sandbox, the file stays below
 * `maxBytes` plus one line: before a line that would cross the cap, the file is emptied and
 * starts again with an `envd.log_truncated` line. The host's reader notices the shrink and
 * reads from the start.
 *
 * Each line is written at the file's current end (pwrite at fstat's size), so the result is
 * the same whether or not the descriptor was opened with O_APPEND.
 */
export function createCappedFileSink(fd: number, maxBytes: number): (line: string) => void {
  return (line) => {
    const data = Buffer.from(line);
    let size = fstatSync(fd).size;
    if (size + data.length > maxBytes) {
      ftruncateSync(fd, 0);
      const note = Buffer.from(
        `${JSON.stringify({ ts: new Date().toISOString(), level: 'warn', event: 'envd.log_truncated', droppedBytes: size })}\n`,
      );
      writeSync(fd, note, 0, note.length, 0);
      size = note.length;
    }
    writeSync(fd, data, 0, data.length, size);
  };
}

/** True when `fd` is a regular file (the host's log), false for a pipe or terminal. */
export function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

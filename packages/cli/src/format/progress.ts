import { formatBytes } from './table.js';

/** One line of a progress bar: `[#####-----]  45%  12.0 MiB / 26.6 MiB`. */
export function renderProgress(bytes: number, total: number | undefined, width = 30): string {
  if (!total) return `${formatBytes(bytes)}`;
  const frac = Math.max(0, Math.min(1, bytes / total));
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}%  ${formatBytes(bytes)} / ${formatBytes(total)}`;
}

/** Something that can show a transient status line. */
export interface StatusStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/**
 * A progress bar on a TTY (redrawn in place, at most every 100 ms); silent elsewhere, so
 * that logs and pipes get no control characters.
 */
export function createProgressBar(stream: StatusStream, label: string) {
  let last = 0;
  let drawn = false;
  return {
    update(bytes: number, total: number | undefined) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < 100 && bytes !== total) return;
      last = now;
      drawn = true;
      stream.write(`\r\x1b[2K${label} ${renderProgress(bytes, total)}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

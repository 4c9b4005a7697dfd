/**
 * Build phases, in order. `wait` = another process holds the build lock; `done` and
 * `failed` close a build so that a renderer can end its line.
 */
export type TemplateBuildPhase = 'wait' | 'debootstrap' | 'apt' | 'configure' | 'check' | 'done' | 'failed';

export interface TemplateBuildProgress {
  template: string;
  phase: TemplateBuildPhase;
  /** One human-readable line, e.g. `unpacking 12/88 libc6`. */
  message: string;
  /** Progress of the current phase, 0–100, when the tool reports it. */
  percent?: number;
}

export type TemplateProgressListener = (progress: TemplateBuildProgress) => void;

/** The part of a writable stream the renderer uses; `process.stderr` fits. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressRendererOptions {
  /** @default process.stderr */
  stream?: ProgressStream;
  /**
   * Minimum time between two redraws of the TTY line; phase changes always redraw.
   * @default 100
   */
  redrawIntervalMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Formats one progress event as a single line (no newline). */
export function formatProgress(p: TemplateBuildProgress): string {
  const percent = p.percent === undefined ? '' : ` ${String(Math.round(p.percent)).padStart(3)}%`;
  return `template ${p.template}: ${p.phase}${percent}${p.message ? ` ${p.message}` : ''}`;
}

/**
 * The default progress renderer. On a TTY it keeps one line up to date with `\r` (so a
 * two-minute build does not scroll hundreds of lines); elsewhere (CI logs, journald) it
 * writes one line per phase.
 */
export function createProgressRenderer(options: ProgressRendererOptions = {}): TemplateProgressListener {
  const stream = options.stream ?? process.stderr;
  const redrawIntervalMs = options.redrawIntervalMs ?? 100;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  let lastPhase: string | undefined;
  let lastDrawMs = 0;

  return (p) => {
    const finished = p.phase === 'done' || p.phase === 'failed';
    const phaseKey = `${p.template}/${p.phase}`;
    const phaseChanged = phaseKey !== lastPhase;
    lastPhase = phaseKey;
    if (!tty) {
      if (phaseChanged || finished) stream.write(`${formatProgress(p)}\n`);
      return;
    }
    const t = now();
    if (!phaseChanged && !finished && t - lastDrawMs < redrawIntervalMs) return;
    lastDrawMs = t;
    // Truncate to the terminal width: a wrapped line cannot be overwritten with `\r`.
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    const line = formatProgress(p).slice(0, width);
    stream.write(`\r${line}\x1b[K${finished ? '\n' : ''}`);
    if (finished) lastPhase = undefined;
  };
}

let defaultRenderer: TemplateProgressListener | undefined;

/** The default renderer on `process.stderr`, created on first use. */
export const renderTemplateProgress: TemplateProgressListener = (progress) => {
  defaultRenderer ??= createProgressRenderer();
  defaultRenderer(progress);
};

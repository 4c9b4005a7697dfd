import { TemplateBuildError } from './errors.js';
import { type IsolationTools, isolatedArgv, runTool } from './run-tool.js';

/**
 * One message of debootstrap's `--debian-installer` status protocol (fd 3). debootstrap
 * sends `I:`/`W:`/`E:` + a message id, `?A:` arguments and a `?F:` printf format, and
 * `P: now end [ID]` progress (with `PA:`/`PF:` when an id is given).
 */
export type DebootstrapEvent =
  | { kind: 'info' | 'warning' | 'error'; id: string; args: string[]; message: string }
  | { kind: 'progress'; id: string; now: number; end: number; message: string };

/** Substitutes printf `%s`-style conversions with `args`, in order (debootstrap only uses `%s`). */
export function formatDebootstrapMessage(format: string, args: readonly string[]): string {
  let next = 0;
  return format.replace(/%(%|[a-z])/g, (_, conversion: string) =>
    conversion === '%' ? '%' : (args[next++] ?? ''),
  );
}

const MESSAGE_KINDS = { I: 'info', W: 'warning', E: 'error' } as const;

/** Returns a line consumer that turns the fd-3 protocol into {@link DebootstrapEvent}s. */
export function createDebootstrapStatusParser(
  emit: (event: DebootstrapEvent) => void,
): (line: string) => void {
  let pending: { kind: 'info' | 'warning' | 'error' | 'progress'; id: string; args: string[] } | undefined;
  let progress = { id: '', now: 0, end: 0, message: '' };

  return (line) => {
    const match = /^([A-Z]{1,2}): ?(.*)$/.exec(line);
    if (!match) return;
    const [, tag = '', value = ''] = match;
    if (tag === 'P') {
      const [now = '0', end = '0', id] = value.trim().split(/\s+/);
      progress = { ...progress, now: Number(now), end: Number(end) };
      if (id === undefined) {
        // A bare `P: now end` continues the last named progress (bytes of a download).
        if (progress.id) emit({ kind: 'progress', ...progress });
      } else {
        pending = { kind: 'progress', id, args: [] };
      }
    } else if (tag in MESSAGE_KINDS) {
      pending = { kind: MESSAGE_KINDS[tag as keyof typeof MESSAGE_KINDS], id: value.trim(), args: [] };
    } else if (tag.endsWith('A') && pending) {
      pending.args.push(value);
    } else if (tag.endsWith('F') && pending) {
      const message = formatDebootstrapMessage(value, pending.args);
      if (pending.kind === 'progress') {
        progress = { id: pending.id, now: progress.now, end: progress.end, message };
        emit({ kind: 'progress', ...progress });
      } else {
        emit({ kind: pending.kind, id: pending.id, args: pending.args, message });
      }
      pending = undefined;
    }
  };
}

/** Share of the debootstrap phase (start %, end %) each stage takes, measured on this host. */
const STAGES: Partial<Record<string, { from: number; to: number; label: string }>> = {
  DOWNREL: { from: 0, to: 2, label: 'retrieving release file' },
  DOWNRELSIG: { from: 2, to: 3, label: 'validating release signature' },
  DOWNPKGS: { from: 3, to: 10, label: 'retrieving package index' },
  DOWNMAINPKGS: { from: 3, to: 10, label: 'retrieving package index' },
  SIZEDEBS: { from: 10, to: 11, label: 'finding package sizes' },
  DOWNDEBS: { from: 11, to: 40, label: 'retrieving packages' },
  EXTRACTPKGS: { from: 40, to: 50, label: 'extracting' },
  INSTCORE: { from: 50, to: 55, label: 'installing core packages' },
  UNPACKREQ: { from: 55, to: 70, label: 'unpacking' },
  CONFREQ: { from: 70, to: 95, label: 'configuring' },
  UNPACKBASE: { from: 95, to: 97, label: 'unpacking base system' },
  CONFBASE: { from: 97, to: 100, label: 'configuring base system' },
};

/** Per-package messages and the verb they are shown with. */
const PACKAGE_VERBS: Partial<Record<string, string>> = {
  RETRIEVING: 'retrieving',
  VALIDATING: 'validating',
  EXTRACTING: 'extracting',
  UNPACKING: 'unpacking',
  CONFIGURING: 'configuring',
};

export interface DebootstrapProgress {
  message: string;
  percent?: number;
}

/**
 * Turns {@link DebootstrapEvent}s into one-line progress with package counts
 * (`retrieving 12/88 libc6`, `configuring 40/88 dpkg`) and a percentage for the phase.
 */
export function createDebootstrapProgressMapper(): (
  event: DebootstrapEvent,
) => DebootstrapProgress | undefined {
  let stage = STAGES.DOWNREL ?? { from: 0, to: 100, label: '' };
  let stageId = 'DOWNREL';
  let stageFraction = 0;
  let packageTotal = 0;
  let retrieved = 0;
  let validated = 0;
  let count = { now: 0, end: 0 };
  const percent = (): number =>
    Math.round(stage.from + (stage.to - stage.from) * Math.min(1, Math.max(0, stageFraction)));

  return (event) => {
    if (event.kind === 'progress') {
      const known = STAGES[event.id];
      if (known) {
        stage = known;
        stageId = event.id;
      }
      stageFraction = event.end > 0 ? event.now / event.end : 0;
      count = { now: event.now, end: event.end };
      if (event.id === 'SIZEDEBS' && event.end > 0) packageTotal = event.end;
      if (event.id === 'EXTRACTPKGS' && event.end > 0) packageTotal = event.end;
      const label = known ? stage.label : event.message.toLowerCase();
      if (stageId === 'INSTCORE')
        return { message: `${label} ${count.now}/${count.end}`, percent: percent() };
      return { message: label, percent: percent() };
    }
    if (event.kind !== 'info') return { message: event.message, percent: percent() };
    const verb = PACKAGE_VERBS[event.id];
    if (verb === undefined)
      return { message: event.message.replace(/\.\.\.$/, '').toLowerCase(), percent: percent() };
    const [name = '', version = ''] = event.args;
    if (stageId === 'DOWNDEBS' && packageTotal > 0) {
      const n = verb === 'retrieving' ? ++retrieved : ++validated;
      return { message: `${verb} ${n}/${packageTotal} ${name} ${version}`.trim(), percent: percent() };
    }
    if (verb === 'extracting' || verb === 'unpacking' || verb === 'configuring') {
      // debootstrap counts `CONFREQ` up to one past the end (libc-bin is reconfigured).
      const now = Math.min(count.now, count.end);
      return { message: `${verb} ${now}/${count.end} ${name}`, percent: percent() };
    }
    return { message: `${verb} ${name} ${version}`.trim(), percent: percent() };
  };
}

export interface RunDebootstrapOptions {
  template: string;
  tools: IsolationTools & { debootstrap: string };
  suite: string;
  variant: string;
  target: string;
  mirror: string;
  signal?: AbortSignal;
  onProgress: (progress: DebootstrapProgress) => void;
  onWarning?: (message: string) => void;
}

/**
 * Runs `debootstrap --variant=<variant> <suite> <target> <mirror>` inside the isolating
 * namespaces (debootstrap mounts proc and sys into the target during its second stage;
 * there they vanish with the namespace even if it is killed). `--debian-installer` makes
 * it report structured progress on fd 3 instead of bare `I:` lines.
 */
export async function runDebootstrap(options: RunDebootstrapOptions): Promise<void> {
  const map = createDebootstrapProgressMapper();
  let lastError: string | undefined;
  let note: ((text: string) => void) | undefined;
  const parse = createDebootstrapStatusParser((event) => {
    // In this mode the human-readable I:/W:/E: lines go to fd 3, not to the output: put
    // warnings and errors into the error tail by hand.
    if (event.kind === 'error') {
      lastError = event.message;
      note?.(`E: ${event.message}`);
    } else if (event.kind === 'warning') {
      note?.(`W: ${event.message}`);
      options.onWarning?.(event.message);
    }
    const progress = map(event);
    if (progress) options.onProgress(progress);
  });
  try {
    await runTool({
      template: options.template,
      phase: 'debootstrap',
      description: `debootstrap ${options.variant} ${options.suite}`,
      argv: isolatedArgv(options.tools, [
        options.tools.debootstrap,
        '--debian-installer',
        `--variant=${options.variant}`,
        options.suite,
        options.target,
        options.mirror,
      ]),
      signal: options.signal,
      onStatusLine: (line, addToTail) => {
        note = addToTail;
        parse(line);
      },
    });
  } catch (err) {
    if (err instanceof TemplateBuildError && lastError !== undefined) {
      throw new TemplateBuildError(`debootstrap: ${lastError}`, {
        template: err.template,
        phase: err.phase,
        exitCode: err.exitCode,
        outputTail: err.outputTail,
        cause: err,
      });
    }
    throw err;
  }
}

import { runChrootScript } from './chroot.js';
import type { IsolationTools } from './run-tool.js';

/** One line of apt's `APT::Status-Fd` protocol, reduced to what progress needs. */
export type AptStatus =
  | { kind: 'download'; percent: number; current: number; total: number }
  | { kind: 'install'; percent: number; package: string; action: string }
  | { kind: 'error'; percent: number; package: string; message: string };

/**
 * Parses `dlstatus:<n>:<percent>:Retrieving file 3 of 421`, `pmstatus:<pkg>:<percent>:<action>`
 * and `pmerror:<pkg>:<percent>:<message>`; other lines (`pmconffile`, `media-change`) give `undefined`.
 */
export function parseAptStatusLine(line: string): AptStatus | undefined {
  // The subject may itself hold colons (`libc6:amd64`): it ends at the first `:<number>:`.
  const match = /^(dlstatus|pmstatus|pmerror):(.*?):(\d+(?:\.\d+)?):(.*)$/.exec(line);
  if (!match) return undefined;
  const [, type, subject = '', percentText = '0', text = ''] = match;
  const percent = Math.min(100, Math.max(0, Number.parseFloat(percentText)));
  if (type === 'dlstatus') {
    const files = /(\d+) of (\d+)/.exec(text);
    return { kind: 'download', percent, current: Number(files?.[1] ?? 0), total: Number(files?.[2] ?? 0) };
  }
  if (type === 'pmstatus') return { kind: 'install', percent, package: subject, action: text.trim() };
  return { kind: 'error', percent, package: subject, message: text.trim() };
}

/** Share of the apt phase downloads take; unpacking and configuring take the rest. */
const DOWNLOAD_SHARE = 35;

/**
 * Installs packages with `apt-get install --no-install-recommends` (debootstrap's own
 * `--include` resolver is incomplete: it left `npm` unusable). apt's status protocol goes
 * to fd 3, which the chroot wrapper passes through.
 */
const APT_INSTALL_SCRIPT = `apt-get install -y -q --no-install-recommends \\
  -o APT::Status-Fd=3 -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confold "$@"
`;

export interface AptInstallOptions {
  template: string;
  tools: IsolationTools;
  rootfs: string;
  packages: readonly string[];
  signal?: AbortSignal;
  onProgress: (progress: { message: string; percent: number }) => void;
}

export function aptInstall(options: AptInstallOptions): Promise<void> {
  let newlyInstalled = 0;
  return runChrootScript({
    template: options.template,
    phase: 'apt',
    description: `apt-get install ${options.packages.join(' ')}`,
    tools: options.tools,
    rootfs: options.rootfs,
    script: APT_INSTALL_SCRIPT,
    args: options.packages,
    signal: options.signal,
    onOutputLine: (line) => {
      const summary = /(\d+) newly installed/.exec(line);
      if (summary) newlyInstalled = Number(summary[1]);
    },
    onStatusLine: (line, note) => {
      const status = parseAptStatusLine(line);
      if (!status) return;
      if (status.kind === 'download') {
        options.onProgress({
          message: `downloading ${status.current}/${status.total} packages`,
          percent: (status.percent * DOWNLOAD_SHARE) / 100,
        });
      } else if (status.kind === 'install') {
        const what = newlyInstalled > 0 ? `installing ${newlyInstalled} packages` : 'installing';
        options.onProgress({
          message: `${what}: ${status.action}`,
          percent: DOWNLOAD_SHARE + (status.percent * (100 - DOWNLOAD_SHARE)) / 100,
        });
      } else {
        note(`apt: ${status.package}: ${status.message}`);
      }
    },
  });
}

import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';

interface Opts {
  user?: string;
  cwd?: string;
}

/**
 * Opens an interactive terminal: the local TTY goes raw (so Ctrl-C, Ctrl-D and arrows reach
 * the sandbox), window size follows SIGWINCH, and the local terminal is restored however the
 * session ends. Exits with the shell's exit code.
 */
async function openShell(id: string, o: Opts, c: Command, io: CliIo): Promise<void> {
  const ctx = contextFor(c, io);
  const sbx = await ctx.client().sandboxes.get(id);
  const size = () => ({ cols: io.stdout.columns || 80, rows: io.stdout.rows || 24 });
  const stdin = io.stdin;
  const term = await sbx.pty.create({
    ...size(),
    user: o.user,
    cwd: o.cwd,
    onData: (d) => io.stdout.write(d),
  });
  const wasRaw = stdin.isTTY === true;
  if (wasRaw) stdin.setRawMode?.(true);
  // Inputs go out one at a time, in order (each is a unary call).
  let sending: Promise<void> = Promise.resolve();
  const onInput = (chunk: Buffer | string) => {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    sending = sending.then(() => term.sendInput(data)).catch(() => {});
  };
  stdin.on('data', onInput);
  stdin.resume();
  const offWinch = io.onSignal('SIGWINCH', () => {
    const s = size();
    term.resize(s.cols, s.rows).catch(() => {});
  });
  try {
    const { exitCode } = await term.wait();
    process.exitCode = exitCode < 0 ? 1 : exitCode;
  } finally {
    offWinch();
    stdin.off('data', onInput);
    if (wasRaw) stdin.setRawMode?.(false);
    stdin.pause();
  }
}

/** `soulbox shell <id>` and its alias `soulbox terminal <id>`. */
export function registerShell(program: Command, io: CliIo): void {
  const cmd = program
    .command('shell')
    .alias('terminal')
    .description('open an interactive terminal (bash) in a sandbox')
    .argument('<sandboxId>', 'the sandbox')
    .option('-u, --user <user>', 'log in as this user (default: the sandbox default user)')
    .option('-w, --cwd <dir>', 'start in this directory')
    .action((id: string, o: Opts, c: Command) => openShell(id, o, c, io));
  example(cmd, 'soulbox shell i0abc123def456ghi789', 'soulbox terminal i0abc123def456ghi789 --user root');
}

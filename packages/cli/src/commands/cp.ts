import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';
import { CliError } from '../format/errors.js';
import { createProgressBar } from '../format/progress.js';

/** A `cp` operand: local path, or `<sandboxId>:<path>`. */
export type CopyOperand =
  | { kind: 'local'; path: string }
  | { kind: 'sandbox'; sandboxId: string; path: string };

/** Parses `id:/path` (sandbox ids are [a-z0-9]) vs a local path (anything else, e.g. `./a:b`). */
export function parseOperand(arg: string): CopyOperand {
  const m = /^([a-z0-9]{1,64}):(.*)$/.exec(arg);
  if (m) return { kind: 'sandbox', sandboxId: m[1]!, path: m[2] || '.' };
  return { kind: 'local', path: arg };
}

/** `soulbox cp` in both directions, docker-style. */
export function registerCp(program: Command, io: CliIo): void {
  const cmd = program
    .command('cp')
    .description('copy files or directories between this machine and a sandbox (docker cp rules)')
    .argument('<source>', 'local path or <sandboxId>:<path>')
    .argument('<destination>', 'local path or <sandboxId>:<path>')
    .option(
      '-u, --user <user>',
      'owner of the files written in the sandbox (default: the sandbox default user)',
    )
    .option('--no-progress', 'no progress bar')
    .action(async (srcArg: string, destArg: string, o: { user?: string; progress: boolean }, c: Command) => {
      const ctx = contextFor(c, io);
      const src = parseOperand(srcArg);
      const dest = parseOperand(destArg);
      if (src.kind === dest.kind) {
        throw new CliError('exactly one of <source> and <destination> must be <sandboxId>:<path>');
      }
      const bar = o.progress && !ctx.json ? createProgressBar(io.stderr, 'copying') : undefined;
      let bytes = 0;
      const onProgress = (p: { bytes: number; totalBytes: number | undefined }) => {
        bytes = p.bytes;
        // Small copies finish before a bar would help.
        if ((p.totalBytes ?? p.bytes) >= 1024 * 1024) bar?.update(p.bytes, p.totalBytes);
      };
      const sandboxId = src.kind === 'sandbox' ? src.sandboxId : (dest as { sandboxId: string }).sandboxId;
      const sbx = await ctx.client().sandboxes.get(sandboxId);
      let written: string;
      try {
        written =
          src.kind === 'local'
            ? await sbx.upload(src.path, dest.path, { user: o.user, onProgress })
            : await sbx.download(src.path, dest.path, { user: o.user, onProgress });
      } finally {
        bar?.done();
      }
      if (ctx.json) ctx.printJson({ source: srcArg, destination: written, bytes });
    });
  example(
    cmd,
    'soulbox cp ./dir i0abc123def456ghi789:/home/user/dir',
    'soulbox cp i0abc123def456ghi789:/home/user/dir ./back',
  );
}

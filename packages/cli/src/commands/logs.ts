import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';
import { formatLogEntry } from '../format/log-line.js';

/** `soulbox logs <id> [-f]`. */
export function registerLogs(program: Command, io: CliIo): void {
  const cmd = program
    .command('logs')
    .description(
      "show a sandbox's log: lifecycle, envd events and output of processes started through the API",
    )
    .argument('<sandboxId>', 'the sandbox (killed ones stay readable for 10 minutes)')
    .option('-f, --follow', 'keep printing new entries until the sandbox ends (Ctrl-C to stop)')
    .action(async (id: string, o: { follow?: boolean }, c: Command) => {
      const ctx = contextFor(c, io);
      const client = ctx.client();
      // With --json, one object per line (NDJSON), so that a follow can be piped into jq.
      const out = (e: Parameters<typeof formatLogEntry>[0]) =>
        ctx.print(ctx.json ? JSON.stringify(e) : formatLogEntry(e));
      if (!o.follow) {
        for (const e of await client.logs.list(id)) out(e);
        return;
      }
      const abort = new AbortController();
      const off = io.onSignal('SIGINT', () => abort.abort());
      try {
        for await (const e of client.logs.follow(id, { signal: abort.signal })) out(e);
      } finally {
        off();
      }
    });
  example(cmd, 'soulbox logs i0abc123def456ghi789', 'soulbox logs -f i0abc123def456ghi789');
}

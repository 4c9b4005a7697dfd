import type { SandboxInfo } from '@soulbox/sdk';
import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';

/** `key: value` lines of one sandbox (pure). */
export function formatSandboxInfo(s: SandboxInfo): string {
  const rows: [string, string][] = [
    ['Sandbox ID', s.sandboxID],
    ['Template', s.templateID],
    ['State', s.state],
    ['Started', s.startedAt],
    ['Ends', s.endAt],
    ['CPU', String(s.cpuCount)],
    ['Memory', `${s.memoryMB} MiB`],
    ['Disk', `${s.diskSizeMB} MiB`],
    ['Internet', s.allowInternetAccess === false ? 'no' : 'yes'],
  ];
  for (const [k, v] of Object.entries(s.metadata ?? {})) rows.push([`Metadata ${k}`, v]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`).join('\n');
}

/** `soulbox sandbox info <id>`. */
export function registerSandboxInfo(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('info')
    .description("show a sandbox's state, resources and metadata")
    .argument('<sandboxId>', 'the sandbox')
    .action(async (id: string, _o: object, c: Command) => {
      const ctx = contextFor(c, io);
      const info = await ctx.client().sandboxes.info(id);
      if (ctx.json) ctx.printJson(info);
      else ctx.print(formatSandboxInfo(info));
    });
  example(cmd, 'soulbox sandbox info i0abc123def456ghi789');
}

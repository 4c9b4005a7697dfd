import type { SandboxInfo } from '@soulbox/sdk';
import type { Command } from 'commander';
import { type CliIo, collect, contextFor, example, parseKeyValues } from '../context.js';
import { CliError } from '../format/errors.js';
import { formatRelative, formatTable } from '../format/table.js';

/** The sandbox table (pure, for tests). */
export function formatSandboxTable(rows: readonly SandboxInfo[], now = Date.now()): string {
  return formatTable(
    ['SANDBOX ID', 'TEMPLATE', 'STATE', 'STARTED', 'ENDS', 'CPU', 'MEMORY'],
    rows.map((s) => [
      s.sandboxID,
      s.templateID,
      s.state,
      formatRelative(s.startedAt, now),
      formatRelative(s.endAt, now),
      String(s.cpuCount),
      `${s.memoryMB} MiB`,
    ]),
  );
}

/** `soulbox sandbox list`. */
export function registerSandboxList(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('list')
    .alias('ls')
    .description('list running and paused sandboxes')
    .option('-s, --state <states>', 'only these states (comma-separated: running,paused)')
    .option('-m, --metadata <key=value>', 'only sandboxes with this metadata (repeatable)', collect)
    .action(async (o: { state?: string; metadata?: string[] }, c: Command) => {
      const ctx = contextFor(c, io);
      const state = o.state?.split(',').map((s) => s.trim());
      if (state?.some((s) => s !== 'running' && s !== 'paused'))
        throw new CliError(`--state takes running and/or paused, got '${o.state}'`);
      const rows = await ctx.client().sandboxes.list({
        state: state as ('running' | 'paused')[] | undefined,
        metadata: parseKeyValues(o.metadata, '--metadata'),
      });
      if (ctx.json) ctx.printJson(rows);
      else if (rows.length === 0) ctx.note('no sandboxes');
      else ctx.print(formatSandboxTable(rows));
    });
  example(cmd, 'soulbox sandbox list', 'soulbox sandbox list --state paused --json');
}

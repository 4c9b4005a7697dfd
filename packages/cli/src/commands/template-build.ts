import fs from 'node:fs';
import path from 'node:path';
import type { BuildLogEntry } from '@soulbox/sdk';
import type { Command } from 'commander';
import { type CliIo, contextFor, example, positiveInt } from '../context.js';
import { CliError } from '../format/errors.js';
import { formatBuildLog } from '../format/log-line.js';
import { readProjectFile } from './init.js';

interface Opts {
  file?: string;
  context?: string;
  force?: boolean;
  cpu?: number;
  memory?: number;
}

/** `soulbox template build [name]`: shows step progress and the build's log as it runs. */
export function registerTemplateBuild(parent: Command, io: CliIo): void {
  const cmd = parent
    .command('build')
    .description(
      'build a template from a Dockerfile (FROM, RUN, COPY, ENV, WORKDIR, USER) in a build sandbox',
    )
    .argument('[name]', 'template name (default: "template" in soulbox.json)')
    .option('-f, --file <path>', 'the Dockerfile (default: soulbox.Dockerfile, then Dockerfile)')
    .option('-c, --context <dir>', "directory COPY sources are relative to (default: the Dockerfile's)")
    .option('--force', 'rebuild even when nothing changed since the last build')
    .option('--cpu <count>', 'CPU cores of the build sandbox', positiveInt('--cpu'))
    .option('--memory <MiB>', 'memory of the build sandbox in MiB', positiveInt('--memory'))
    .action(async (nameArg: string | undefined, o: Opts, c: Command) => {
      const ctx = contextFor(c, io);
      const project = readProjectFile(io.cwd);
      const name = nameArg ?? project?.template;
      if (!name) throw new CliError('give a template name, or run `soulbox init` to write soulbox.json');
      const candidates = o.file
        ? [o.file]
        : [project?.dockerfile, 'soulbox.Dockerfile', 'Dockerfile'].filter((f): f is string => Boolean(f));
      const file = candidates.map((f) => path.resolve(io.cwd, f)).find((f) => fs.existsSync(f));
      if (!file) throw new CliError(`no Dockerfile found (looked for ${candidates.join(', ')})`);
      const started = Date.now();
      const logs: BuildLogEntry[] = [];
      const result = await ctx.client().templates.build({
        name,
        dockerfile: fs.readFileSync(file, 'utf8'),
        contextDir: o.context ? path.resolve(io.cwd, o.context) : path.dirname(file),
        force: o.force,
        cpuCount: o.cpu,
        memoryMiB: o.memory,
        onLog: (e) => {
          if (ctx.json) logs.push(e);
          else (e.level === 'error' ? io.stderr : io.stdout).write(`${formatBuildLog(e)}\n`);
        },
      });
      const seconds = Math.round((Date.now() - started) / 1000);
      if (ctx.json) ctx.printJson({ ...result, name, seconds, logEntries: logs });
      else
        ctx.print(
          `built template ${name} in ${seconds} s; start it with: soulbox sandbox create --template ${name}`,
        );
    });
  example(
    cmd,
    'soulbox template build polyglot -f templates/polyglot/soulbox.Dockerfile',
    'soulbox template build   # uses soulbox.json',
  );
}

import type { Command } from 'commander';
import { type CliIo, collect, contextFor, example, parseKeyValues } from '../context.js';
import { CliError } from '../format/errors.js';

/** Quotes one argument for bash, only when needed. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell line for `exec`: one argument is taken as a shell line (`soulbox exec id 'ls | wc'`),
 * several as an argument vector, quoted so that each arrives as it was typed.
 */
export function commandLine(args: readonly string[]): string {
  return args.length === 1 ? args[0]! : args.map(shellQuote).join(' ');
}

/** Exit status for a command's result: its own code, 137 when it was killed by a signal. */
export function exitStatusOf(exitCode: number): number {
  return exitCode < 0 ? 137 : exitCode;
}

interface Opts {
  user?: string;
  cwd?: string;
  env?: string[];
  timeout?: string;
}

/** `soulbox exec <id> -- cmd args`: streams output and exits with the command's exit code. */
export function registerExec(program: Command, io: CliIo): void {
  const cmd = program
    .command('exec')
    .description("run a command in a sandbox, streaming its output; exits with the command's exit code")
    .argument('<sandboxId>', 'the sandbox')
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .option('-u, --user <user>', 'run as this user (default: the sandbox default user)')
    .option('-w, --cwd <dir>', 'working directory')
    .option('-e, --env <key=value>', 'environment variable (repeatable)', collect)
    .option('--timeout <ms>', 'kill the command after this long (0 = never)', '0')
    .action(async (id: string, args: string[], o: Opts, c: Command) => {
      const ctx = contextFor(c, io);
      const timeoutMs = Number(o.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 0)
        throw new CliError(`--timeout must be milliseconds, got '${o.timeout}'`);
      const sbx = await ctx.client().sandboxes.get(id);
      const r = await sbx.commands.run(commandLine(args), {
        user: o.user,
        cwd: o.cwd,
        envs: parseKeyValues(o.env, '--env'),
        timeoutMs,
        keepOutput: ctx.json,
        ...(ctx.json
          ? {}
          : { onStdout: (s: string) => io.stdout.write(s), onStderr: (s: string) => io.stderr.write(s) }),
      });
      if (ctx.json)
        ctx.printJson({
          exitCode: r.exitCode,
          stdout: r.stdout,
          stderr: r.stderr,
          ...(r.error ? { error: r.error } : {}),
        });
      process.exitCode = exitStatusOf(r.exitCode);
    });
  example(
    cmd,
    'soulbox exec i0abc123def456ghi789 -- python3 -c "print(6*7)"',
    "soulbox exec i0abc123def456ghi789 'ls /home/user | wc -l'",
  );
}

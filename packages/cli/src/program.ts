import { Command } from 'commander';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerCp } from './commands/cp.js';
import { registerExec } from './commands/exec.js';
import { registerInit } from './commands/init.js';
import { registerLogin } from './commands/login.js';
import { registerLogs } from './commands/logs.js';
import { registerSandboxCreate } from './commands/sandbox-create.js';
import { registerSandboxInfo } from './commands/sandbox-info.js';
import { registerSandboxKill } from './commands/sandbox-kill.js';
import { registerSandboxList } from './commands/sandbox-list.js';
import { registerSandboxPause } from './commands/sandbox-pause.js';
import { registerSandboxResume } from './commands/sandbox-resume.js';
import { registerSandboxTimeout } from './commands/sandbox-timeout.js';
import { registerServe } from './commands/serve.js';
import { registerShell } from './commands/shell.js';
import { registerTemplateBuild } from './commands/template-build.js';
import { registerTemplateDelete } from './commands/template-delete.js';
import { registerTemplateList } from './commands/template-list.js';
import { type CliIo, example } from './context.js';

/** The CLI's version (the monorepo's). */
export const VERSION = '0.1.0';

/** Builds the whole `soulbox` command tree. Pure apart from the actions, which use `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('soulbox')
    .description('SoulBox: self-hosted sandboxes for AI agents and code runners')
    .version(VERSION, '-V, --version')
    .option(
      '--url <url>',
      'SoulBox server URL (env SOULBOX_URL, then the config file; default http://127.0.0.1:3000)',
    )
    .option('--api-key <key>', 'API key (env SOULBOX_API_KEY, then the config file)')
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  example(
    program,
    'soulbox sandbox create',
    'soulbox exec <id> -- python3 -c "print(1)"',
    'soulbox shell <id>',
  );

  registerServe(program, io);
  registerInit(program, io);
  registerLogin(program, io);
  registerConfig(program, io);

  const sandbox = program
    .command('sandbox')
    .alias('sb')
    .description('create, list, inspect and stop sandboxes');
  registerSandboxCreate(sandbox, io);
  registerSandboxList(sandbox, io);
  registerSandboxInfo(sandbox, io);
  registerSandboxKill(sandbox, io);
  registerSandboxPause(sandbox, io);
  registerSandboxResume(sandbox, io);
  registerSandboxTimeout(sandbox, io);
  example(sandbox, 'soulbox sandbox create', 'soulbox sandbox list');

  registerExec(program, io);
  registerShell(program, io);
  registerCp(program, io);
  registerLogs(program, io);

  const template = program.command('template').description('build, list and delete templates');
  registerTemplateBuild(template, io);
  registerTemplateList(template, io);
  registerTemplateDelete(template, io);
  example(
    template,
    'soulbox template build polyglot -f templates/polyglot/soulbox.Dockerfile',
    'soulbox template list',
  );

  registerCompletion(program, io);
  return program;
}

import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type CliIo, contextFor, example } from '../context.js';
import { CliError } from '../format/errors.js';

/** The project file `soulbox init` writes and `soulbox template build` reads. */
export interface ProjectFile {
  /** Template name. */
  template: string;
  /** Dockerfile path, relative to the project file. */
  dockerfile: string;
}

export const PROJECT_FILE = 'soulbox.json';

/** The starter Dockerfile: the subset SoulBox builds, with a comment saying so. */
export const STARTER_DOCKERFILE = `# A SoulBox template. SoulBox builds this Dockerfile subset in a sandbox (no Docker needed):
#   FROM <template> | debian:bookworm,  RUN,  COPY [--chown=u:g] [--chmod=0755],  ENV,  WORKDIR,  USER
# RUN steps run as root until a USER line; the last USER and WORKDIR become the defaults of
# sandboxes started from it (otherwise those of the parent: user "user" in /home/user).
FROM base

RUN apt-get update && apt-get install -y --no-install-recommends ripgrep
ENV EDITOR=nano
`;

/** Reads soulbox.json from `dir`, or undefined when there is none. */
export function readProjectFile(dir: string): ProjectFile | undefined {
  const file = path.join(dir, PROJECT_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ProjectFile>;
    if (typeof v.template === 'string' && typeof v.dockerfile === 'string')
      return { template: v.template, dockerfile: v.dockerfile };
  } catch {
    // Fall through to the error below.
  }
  throw new CliError(`${file} must be JSON with "template" and "dockerfile" strings`);
}

/** `soulbox init [dir]`. */
export function registerInit(program: Command, io: CliIo): void {
  const cmd = program
    .command('init')
    .description('start a template project: writes soulbox.json and a starter soulbox.Dockerfile')
    .argument('[dir]', 'project directory', '.')
    .option('-n, --name <template>', 'template name (default: the directory name)')
    .option('--force', 'overwrite existing files')
    .action((dir: string, o: { name?: string; force?: boolean }, c: Command) => {
      const ctx = contextFor(c, io);
      const root = path.resolve(io.cwd, dir);
      const name = (o.name ?? path.basename(root))
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .replace(/^-+/, '');
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name))
        throw new CliError(`'${name}' is not a valid template name; pass --name`);
      const files: [string, string][] = [
        [PROJECT_FILE, `${JSON.stringify({ template: name, dockerfile: 'soulbox.Dockerfile' }, null, 2)}\n`],
        ['soulbox.Dockerfile', STARTER_DOCKERFILE],
      ];
      fs.mkdirSync(root, { recursive: true });
      for (const [f] of files) {
        if (!o.force && fs.existsSync(path.join(root, f)))
          throw new CliError(`${path.join(root, f)} exists; use --force to overwrite`);
      }
      for (const [f, text] of files) fs.writeFileSync(path.join(root, f), text);
      if (ctx.json) ctx.printJson({ template: name, files: files.map(([f]) => path.join(root, f)) });
      else
        ctx.print(
          `wrote ${PROJECT_FILE} and soulbox.Dockerfile in ${root}; build with: soulbox template build`,
        );
    });
  example(cmd, 'soulbox init my-agent', 'cd my-agent && soulbox template build');
}

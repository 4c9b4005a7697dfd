import path from 'node:path';
import { z } from 'zod';
import { SoulBoxError } from '../errors/index.js';

/** E2B's `TemplateStep` as sent by SDKs (`POST /v2/templates/{id}/builds/{buildID}`). */
export const templateStepSchema = z.looseObject({
  type: z.string().min(1),
  args: z.array(z.string()).optional(),
  filesHash: z.string().optional(),
  force: z.boolean().optional(),
});
export type TemplateStepWire = z.infer<typeof templateStepSchema>;

/** One step of a Dockerfile-subset build, validated. */
export type BuildStep =
  | { type: 'RUN'; command: string; argv?: string[]; user?: string }
  | {
      type: 'COPY';
      src: string;
      dest: string;
      owner?: string;
      mode?: string;
      filesHash: string;
      /** The source as the client wrote it, when normalising changed it (E2B hashes it as written). */
      srcAsWritten?: string;
    }
  | { type: 'ENV'; vars: [string, string][] }
  | { type: 'WORKDIR'; path: string }
  | { type: 'USER'; user: string };

/** What a build starts from. */
export type BuildBase = { template: string } | { image: string };

const USER_NAME = /^[a-z_][a-z0-9_-]*[$]?(:[a-z_][a-z0-9_-]*)?$|^\d+(:\d+)?$/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FILES_HASH = /^[A-Za-z0-9_-]{8,128}$/;

function bad(index: number, message: string): never {
  throw new SoulBoxError('INVALID_ARGUMENT', `step ${index + 1}: ${message}`);
}

/** Checks the wire steps and turns them into {@link BuildStep}s (Dockerfile semantics). */
export function parseSteps(steps: readonly TemplateStepWire[]): BuildStep[] {
  return steps.map((s, i): BuildStep => {
    const args = s.args ?? [];
    switch (s.type.toUpperCase()) {
      case 'RUN': {
        if (!args[0]?.trim()) bad(i, 'RUN needs a command');
        // A JSON array (exec form) arrives as the first argument starting with '['.
        const first = args[0];
        let argv: string[] | undefined;
        if (first.trimStart().startsWith('[')) {
          try {
            const parsed: unknown = JSON.parse(first);
            if (Array.isArray(parsed) && parsed.length > 0 && parsed.every((a) => typeof a === 'string'))
              argv = parsed;
          } catch {
            argv = undefined;
          }
        }
        const user = args[1] || undefined;
        if (user && !USER_NAME.test(user)) bad(i, `invalid user '${user}'`);
        return { type: 'RUN', command: first, ...(argv ? { argv } : {}), ...(user ? { user } : {}) };
      }
      case 'COPY': {
        const [src, dest, owner, mode] = args;
        if (!src || !dest) bad(i, 'COPY needs a source and a destination');
        const norm = path.posix.normalize(src);
        if (norm.startsWith('..') || path.posix.isAbsolute(norm))
          bad(i, `COPY source '${src}' must stay inside the build context`);
        if (!s.filesHash || !FILES_HASH.test(s.filesHash))
          bad(i, 'COPY needs the filesHash of its uploaded files');
        if (owner && !USER_NAME.test(owner)) bad(i, `invalid --chown '${owner}'`);
        if (mode && !/^[0-7]{3,4}$/.test(mode)) bad(i, `invalid --chmod '${mode}' (octal, e.g. 0755)`);
        return {
          type: 'COPY',
          src: norm,
          ...(norm !== src ? { srcAsWritten: src } : {}),
          dest,
          filesHash: s.filesHash,
          ...(owner ? { owner } : {}),
          ...(mode ? { mode } : {}),
        };
      }
      case 'ENV': {
        if (args.length === 0 || args.length % 2 !== 0) bad(i, 'ENV needs name/value pairs');
        const vars: [string, string][] = [];
        for (let k = 0; k < args.length; k += 2) {
          const name = args[k]!;
          if (!ENV_NAME.test(name)) bad(i, `invalid variable name '${name}'`);
          vars.push([name, args[k + 1]!]);
        }
        return { type: 'ENV', vars };
      }
      case 'WORKDIR': {
        if (!args[0]) bad(i, 'WORKDIR needs a path');
        return { type: 'WORKDIR', path: args[0] };
      }
      case 'USER': {
        if (!args[0] || !USER_NAME.test(args[0])) bad(i, `invalid user '${args[0] ?? ''}'`);
        return { type: 'USER', user: args[0] };
      }
      default:
        return bad(
          i,
          `unsupported instruction ${s.type} (SoulBox builds FROM, RUN, COPY, ENV, WORKDIR and USER)`,
        );
    }
  });
}

/**
 * Maps `FROM` to a SoulBox template. Another template is used as is. Debian bookworm images
 * map to `base` (bookworm plus E2B's user, python and node); other distributions and
 * releases are refused, since SoulBox builds only what it can debootstrap from Debian.
 */
export function resolveBase(base: BuildBase): string {
  if ('template' in base) return base.template;
  const image = base.image.replace(/^docker\.io\/(library\/)?/, '');
  const m = /^([a-z0-9._/-]+)(?::([A-Za-z0-9._-]+))?$/.exec(image);
  const [name, tag] = [m?.[1], m?.[2] ?? 'latest'];
  if (name === 'debian' && /^(bookworm|12)([.-].*)?$/.test(tag)) return 'base';
  throw new SoulBoxError(
    'INVALID_ARGUMENT',
    `FROM ${base.image}: only debian:bookworm (mapped to the 'base' template) or another SoulBox template can be a base; ` +
      'other images and releases need a Docker registry, which SoulBox does not use',
  );
}

/** Expands `$NAME` and `${NAME}` against `env` (unset = empty), as Docker does in ENV values. */
export function expandEnv(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a, b) =>
    all === '\\$' ? '$' : (env[(a ?? b) as string] ?? ''),
  );
}

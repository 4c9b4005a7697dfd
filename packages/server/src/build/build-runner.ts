import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.js';
import { SEEDED_FILES } from '../runtime/seed-layer.js';
import type { SandboxManager } from '../sandbox/sandbox-manager.js';
import type { TemplateConfig, TemplateStore } from '../template/index.js';
import { removeTree } from '../template/remove-tree.js';
import { templateNameOfDir } from '../template/template-catalog.js';
import type { QuotaHold } from '../tenancy/quota-ledger.js';
import { run } from '../util/exec.js';
import type { Logger } from '../util/logger.js';
import type { BuildRecord, BuildRegistry } from './build-registry.js';
import { type BuildBase, type BuildStep, expandEnv } from './build-steps.js';
import { runStep, uploadToSandbox } from './envd-steps.js';

/**
 * Bump when the build procedure changes what it produces, so cached results are rebuilt.
 * 2: templates keep image owners (0..65535) instead of owners shifted into one host range.
 */
const BUILD_VERSION = 2;

/** PATH of build steps and sandboxes when no ENV sets one (envd's default). */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Resources of a build sandbox. */
export interface BuildResources {
  cpuCount: number;
  memoryMiB: number;
  diskMiB: number;
}

/** Dependencies of {@link runBuild}. */
export interface BuildRunnerDeps {
  sandboxes: SandboxManager;
  runtime: SandboxRuntime;
  templates: TemplateStore;
  registry: BuildRegistry;
  /** Where COPY contexts were uploaded: `<dir>/<filesHash>`. */
  uploadsDir: string;
  logger: Logger;
}

/** What one build asks for. */
export interface BuildSpec {
  /** The template's directory (its owner's, see template-catalog.ts). */
  name: string;
  base: BuildBase;
  /** Directory of the parent template, resolved for the build's tenant. */
  parentDir: string;
  steps: BuildStep[];
  force: boolean;
  resources: BuildResources;
  /** The build sandbox's lifetime, seconds (6 h, or less under the tenant's maxLifetimeS). */
  timeoutS: number;
  /** SoulBox's digest of each COPY upload, by declared hash: the cache key uses these. */
  contentDigests: Readonly<Record<string, string>>;
  /** The tenant's quota reservation for the build sandbox; committed to it once created. */
  quotaHold?: QuotaHold;
}

/** Thrown to end a build with a message that names the failing step. */
class StepError extends Error {
  constructor(
    message: string,
    readonly step?: string,
  ) {
    super(message);
  }
}

function describeStep(s: BuildStep): string {
  switch (s.type) {
    case 'RUN':
      return `RUN ${s.command}`;
    case 'COPY':
      return `COPY ${s.owner ? `--chown=${s.owner} ` : ''}${s.src} ${s.dest}`;
    case 'ENV':
      return `ENV ${s.vars.map(([k, v]) => `${k}=${v}`).join(' ')}`;
    case 'WORKDIR':
      return `WORKDIR ${s.path}`;
    case 'USER':
      return `USER ${s.user}`;
  }
}

/**
 * The cache key: parent build, steps (COPY by SoulBox's digest of what was really uploaded,
 * not by the hash the client declared) and the build procedure.
 */
export function buildHash(
  parentHash: string,
  steps: readonly BuildStep[],
  contentDigests: Readonly<Record<string, string>> = {},
): string {
  const keyed = steps.map((s) =>
    s.type === 'COPY' ? { ...s, filesHash: contentDigests[s.filesHash] ?? s.filesHash } : s,
  );
  const input = JSON.stringify({ v: BUILD_VERSION, parentHash, steps: keyed });
  return createHash('sha256').update(input).digest('hex');
}

/**
 * Run as root after the last step. Templates ship without apt's lists and caches, as `base`
 * does. A PATH set by ENV is also written to /etc/profile.d: commands run through
 * `bash -l` (as E2B's SDK runs them), and Debian's /etc/profile resets PATH for login shells.
 */
const FINALIZE_SCRIPT = `if command -v apt-get >/dev/null; then apt-get clean; fi
rm -rf /var/lib/apt/lists/* /tmp/.soulbox-*
if [ -n "$1" ]; then printf '%s\\n' "$1" > /etc/profile.d/soulbox-path.sh; fi
sync`;

/** `export NAME='value'` for a shell profile. */
function shellExport(name: string, value: string): string {
  return `export ${name}='${value.replace(/'/g, `'\\''`)}'`;
}

/** Copies one uploaded context into place inside the sandbox, with Docker's COPY rules. */
const COPY_SCRIPT = `set -eu
t=$(mktemp -d /tmp/.soulbox-copy.XXXXXX)
tar -xf "$1" -C "$t" --no-same-owner
rm -f "$1"
src="$t/$2"; dest="$3"
if [ ! -e "$src" ] && [ ! -L "$src" ]; then echo "COPY: '$2' is not in the uploaded build context" >&2; exit 1; fi
if [ -n "$4" ]; then chown -R "$4" "$t"; fi
if [ -n "$5" ]; then chmod -R "$5" "$t"; fi
if [ -d "$src" ] && [ ! -L "$src" ]; then mkdir -p "$dest"; cp -a "$src/." "$dest/"
elif [ -d "$dest" ] || [ "\${dest%/}" != "$dest" ]; then mkdir -p "$dest"; cp -a "$src" "$dest/"
else mkdir -p "$(dirname "$dest")"; cp -a "$src" "$dest"; fi
rm -rf "$t"`;

/**
 * Runs a build in a sandbox of the parent template: each RUN through envd (as root unless
 * USER said otherwise), COPY by uploading the context and unpacking it inside, ENV and
 * WORKDIR recorded; then pauses the sandbox, captures its writable layer over the parent
 * into a new template rootfs, and kills it. Never throws: the outcome is in the record.
 */
export async function runBuild(d: BuildRunnerDeps, b: BuildRecord, spec: BuildSpec): Promise<void> {
  const log = (level: 'info' | 'warn' | 'error', message: string, step?: string) =>
    d.registry.log(b, level, message, step);
  const abort = new AbortController();
  b.abort = abort;
  b.status = 'building';
  const started = Date.now();
  let sandboxId: string | undefined;
  let workDir: string | undefined;
  const displayName = templateNameOfDir(spec.name);
  try {
    const parentName = spec.parentDir;
    if (parentName === spec.name) throw new StepError(`a template cannot be built FROM itself`);
    log(
      'info',
      `FROM ${'template' in spec.base ? spec.base.template : `${spec.base.image} (template ${templateNameOfDir(parentName)})`}`,
    );
    const parent = await d.templates.ensure(parentName, { signal: abort.signal });
    const hash = buildHash(parent.hash, spec.steps, spec.contentDigests);
    const finalDir = path.join(d.templates.dir, spec.name, hash);
    if (!spec.force && existsSync(path.join(finalDir, 'template.json'))) {
      log('info', `unchanged since the last build: using the cached template (${hash.slice(0, 12)})`);
      b.hash = hash;
      d.registry.finish(b, 'ready');
      return;
    }

    const parentConfig: TemplateConfig = parent.config ?? {
      envVars: {},
      user: 'user',
      workdir: '/home/user',
    };
    const env: Record<string, string> = { ...parentConfig.envVars };
    let workdir = parentConfig.workdir;
    let user = 'root';
    let finalUser = parentConfig.user;

    const rec = await d.sandboxes.create({
      templateId: parentName,
      tenantId: b.tenantId,
      timeoutS: spec.timeoutS,
      secure: true,
      networkMode: 'bridge',
      autoPause: false,
      cpuCount: spec.resources.cpuCount,
      memoryMiB: spec.resources.memoryMiB,
      diskMiB: spec.resources.diskMiB,
      metadata: { 'soulbox.build': b.buildID, 'soulbox.template': displayName },
    });
    // From here the build sandbox itself counts against the tenant's quotas.
    spec.quotaHold?.commit(rec.id);
    sandboxId = rec.id;
    const envd = d.runtime.envdEndpoint(rec.id, 'api');
    log('info', `build sandbox ${rec.id} started`);

    const exec = async (label: string, cmd: string, args: string[], asUser: string) => {
      // The last lines say why a step failed; they go into the error, not only the log.
      const tail: string[] = [];
      const r = await runStep(
        envd,
        { cmd, args, envs: { DEBIAN_FRONTEND: 'noninteractive', ...env }, cwd: workdir, user: asUser },
        (stream, line) => {
          log(stream === 'stderr' ? 'warn' : 'info', line, label);
          if (line.trim()) tail.push(line.trim());
          if (tail.length > 3) tail.shift();
        },
        abort.signal,
      );
      if (r.exitCode !== 0) {
        const why = tail.length ? ` (last output: ${tail.join(' | ')})` : '';
        throw new StepError(`step ${label} failed: ${r.status}${why}`, label);
      }
    };

    for (const [i, step] of spec.steps.entries()) {
      const label = `${i + 1}/${spec.steps.length} ${describeStep(step)}`;
      log('info', `step ${label}`, label);
      switch (step.type) {
        case 'RUN':
          if (step.argv) await exec(label, step.argv[0]!, step.argv.slice(1), step.user ?? user);
          else await exec(label, '/bin/sh', ['-c', step.command], step.user ?? user);
          break;
        case 'ENV':
          for (const [k, v] of step.vars) env[k] = expandEnv(v, { PATH: DEFAULT_PATH, ...env });
          break;
        case 'WORKDIR': {
          workdir = path.posix.resolve(workdir, expandEnv(step.path, env));
          const dir = workdir;
          workdir = '/';
          await exec(
            label,
            '/bin/sh',
            ['-c', 'mkdir -p "$1" && { [ "$2" = root ] || chown "$2:" "$1"; }', 'sh', dir, user],
            'root',
          );
          workdir = dir;
          break;
        }
        case 'USER':
          await exec(label, '/bin/sh', ['-c', 'id "$1" >/dev/null', 'sh', step.user.split(':')[0]!], 'root');
          user = step.user.split(':')[0]!;
          finalUser = user;
          break;
        case 'COPY': {
          const file = path.join(d.uploadsDir, step.filesHash);
          if (!existsSync(file)) throw new StepError(`${label}: its files were not uploaded`, label);
          const tmp = `/tmp/.soulbox-context-${i}.tar`;
          await uploadToSandbox(envd, file, tmp);
          const dest = path.posix.resolve(workdir, step.dest) + (step.dest.endsWith('/') ? '/' : '');
          const owner = step.owner ? (step.owner.includes(':') ? step.owner : `${step.owner}:`) : '';
          await exec(
            label,
            '/bin/sh',
            ['-c', COPY_SCRIPT, 'sh', tmp, step.src, dest, owner, step.mode ?? ''],
            'root',
          );
          break;
        }
      }
    }

    await exec(
      'finalize',
      '/bin/sh',
      [
        '-c',
        FINALIZE_SCRIPT,
        'sh',
        env.PATH === parentConfig.envVars.PATH ? '' : shellExport('PATH', env.PATH ?? ''),
      ],
      'root',
    );
    log('info', 'capturing the filesystem');
    await d.sandboxes.pause(rec.id);
    workDir = await mkdtemp(path.join(d.templates.dir, `.build-${spec.name}-`));
    await chmod(workDir, 0o755);
    if (rec.uidBase === null) throw new StepError('the build sandbox has no uid range');
    const { rootfs } = await d.runtime.captureFilesystem(rec.id, rec.uidBase, {
      parentRootfs: parent.rootfsDir,
      workDir,
      exclude: ['run/e2b', 'run/soulbox', '.soulbox', ...SEEDED_FILES],
    });
    await d.sandboxes.kill(rec.id).catch(() => {});
    sandboxId = undefined;
    const sizeBytes = Number(
      (await run('du', ['-sB1', rootfs], { timeoutMs: 600_000 })).stdout.split('\t')[0],
    );
    const config: TemplateConfig = { envVars: env, user: finalUser, workdir };
    const meta = {
      name: spec.name,
      // Who owns it and what they call it (the store holds the authority: template-catalog.ts).
      alias: displayName,
      tenantId: b.tenantId,
      hash,
      builtAt: new Date().toISOString(),
      sizeBytes,
      kind: 'dockerfile',
      buildID: b.buildID,
      parent: { name: parentName, hash: parent.hash },
      config,
      steps: spec.steps,
      // Owners on disk are the image's own; sandboxes map them with idmapped mounts.
      uidShift: 0,
      buildMs: Date.now() - started,
      // A template built FROM code-interpreter-v1 keeps envd's code interpreter.
      ...(parent.codeInterpreter ? { codeInterpreter: true } : {}),
    };
    await writeFile(path.join(workDir, 'template.json'), `${JSON.stringify(meta, null, 2)}\n`, {
      mode: 0o644,
    });
    await removeTree(finalDir);
    await run('mkdir', ['-p', path.dirname(finalDir)]);
    await rename(workDir, finalDir);
    workDir = undefined;
    b.hash = hash;
    await removeOlderBuilds(d, spec.name, hash);
    log(
      'info',
      `template ${displayName} built in ${Math.round((Date.now() - started) / 1000)} s (${Math.round(sizeBytes / 2 ** 20)} MiB)`,
    );
    d.registry.finish(b, 'ready');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const step = err instanceof StepError ? err.step : undefined;
    log('error', message, step);
    d.registry.finish(b, 'error', { message, ...(step ? { step } : {}) });
    d.logger.warn('template build failed', { template: spec.name, buildId: b.buildID, err });
  } finally {
    spec.quotaHold?.release();
    if (sandboxId) await d.sandboxes.kill(sandboxId).catch(() => {});
    if (workDir)
      await removeTree(workDir).catch((err: unknown) =>
        d.logger.error('cannot remove a failed build', { dir: workDir, err }),
      );
  }
}

/** Deletes earlier builds of a template that no sandbox uses any more (they stay until then). */
async function removeOlderBuilds(d: BuildRunnerDeps, name: string, keep: string): Promise<void> {
  let hashes: string[] = [];
  try {
    hashes = readdirSync(path.join(d.templates.dir, name));
  } catch {
    return;
  }
  for (const h of hashes) {
    if (h === keep || !/^[0-9a-f]{64}$/.test(h)) continue;
    await d.templates.remove(name, h).catch(() => {});
  }
}

// Compiles envd's native pieces with the system gcc, without node-gyp or downloads:
//   envd_native.node  N-API addon (waitpid, xattrs, inotify), built against this node's headers
//   envd-exec         static helper that drops privileges and execs user commands
//   envd-launch       static HOST helper: creates envd's listening sockets, execs runc with them
//                     (written to packages/envd/host-bin/, never into the sandbox bundle)
// Each output is written to a temp name and renamed, so concurrent builds (parallel test
// files) never see a half-written file. Up-to-date outputs are left alone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeSrcDir = join(packageDir, 'native');
/** Host-side outputs: kept out of bundle/, which is copied into every sandbox. */
export const hostBinDir = join(packageDir, 'host-bin');

/** Directory holding node's C headers (node_api.h, uv.h) for the running node. */
function nodeIncludeDir() {
  const dir = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (!existsSync(join(dir, 'node_api.h'))) {
    throw new Error(`node headers not found at ${dir} (install the nodejs headers package)`);
  }
  return dir;
}

function isFresh(output, source) {
  return existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs;
}

function compile(source, output, flags) {
  if (isFresh(output, source)) return false;
  console.log(`envd native: compiling ${output}`);
  mkdirSync(dirname(output), { recursive: true });
  const tmp = `${output}.${process.pid}.tmp`;
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', ...flags, '-o', tmp, source], { stdio: 'inherit' });
  renameSync(tmp, output);
  return true;
}

/**
 * Builds the sandbox-side native outputs into `outDir` (default: packages/envd/bundle) and
 * the host-side launcher into packages/envd/host-bin.
 * @returns {{ addon: string, execHelper: string, launcher: string }} absolute paths of the outputs
 */
export function buildNative(outDir = join(packageDir, 'bundle')) {
  const addon = join(outDir, 'envd_native.node');
  const execHelper = join(outDir, 'envd-exec');
  const launcher = join(hostBinDir, 'envd-launch');
  compile(join(nativeSrcDir, 'envd_native.c'), addon, ['-shared', '-fPIC', `-I${nodeIncludeDir()}`]);
  compile(join(nativeSrcDir, 'envd_exec.c'), execHelper, ['-static']);
  compile(join(nativeSrcDir, 'envd_launch.c'), launcher, ['-static']);
  return { addon, execHelper, launcher };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildNative(process.argv[2] ? resolve(process.argv[2]) : undefined);
}

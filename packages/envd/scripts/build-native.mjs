// Compiles envd's native pieces with the system gcc, without node-gyp or downloads:
//   envd_native.node  N-API addon (waitpid, xattrs, inotify), built against this node's headers
//   envd-exec         static helper that drops privileges and execs user commands
// Each output is written to a temp name and renamed, so concurrent builds (parallel test
// files) never see a half-written file. Up-to-date outputs are left alone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeSrcDir = join(packageDir, 'native');

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
 * Builds both native outputs into `outDir` (default: packages/envd/bundle).
 * @returns {{ addon: string, execHelper: string }} absolute paths of the outputs
 */
export function buildNative(outDir = join(packageDir, 'bundle')) {
  const addon = join(outDir, 'envd_native.node');
  const execHelper = join(outDir, 'envd-exec');
  compile(join(nativeSrcDir, 'envd_native.c'), addon, ['-shared', '-fPIC', `-I${nodeIncludeDir()}`]);
  compile(join(nativeSrcDir, 'envd_exec.c'), execHelper, ['-static']);
  return { addon, execHelper };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildNative(process.argv[2] ? resolve(process.argv[2]) : undefined);
}

// Compiles the server's native helper with the system gcc (no node-gyp, no downloads):
//   soulbox-idmap-mount   static helper that attaches a read-only idmapped view of a directory
//                         (each sandbox's template lower layer; template-build captures)
// The output is written to a temp name and renamed, so concurrent builds never see a
// half-written file. An up-to-date output is left alone.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the server looks for its helpers (runtime/idmapped-mount.ts knows the same path). */
export const nativeOutDir = join(packageDir, 'native', 'build');

/**
 * Builds the helper if its source is newer than the output.
 * @returns {string} absolute path of the helper
 */
export function buildServerNative() {
  const source = join(packageDir, 'native', 'idmap_mount.c');
  const output = join(nativeOutDir, 'soulbox-idmap-mount');
  if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) return output;
  console.log(`server native: compiling ${output}`);
  mkdirSync(dirname(output), { recursive: true });
  const tmp = `${output}.${process.pid}.tmp`;
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-static', '-o', tmp, source], {
    stdio: 'inherit',
  });
  renameSync(tmp, output);
  return output;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) buildServerNative();

// Produces packages/envd/bundle/, the self-contained directory the server copies to
// /.soulbox/envd/ inside every sandbox (run after `tsc -b`):
//   envd.cjs                      esbuild bundle of src/main.ts (node-pty stays external)
//   js-kernel.cjs                 the code interpreter's Node kernel (acorn, sucrase inside)
//   python-startup.py             run by the code interpreter's IPython kernels at start
//   envd_native.node, envd-exec   native pieces (scripts/build-native.mjs)
//   node_modules/node-pty/        node-pty's Linux runtime files only
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildNative } from './build-native.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundleDir = join(packageDir, 'bundle');
const require = createRequire(join(packageDir, 'package.json'));

mkdirSync(bundleDir, { recursive: true });

// Built in memory and renamed into place: sandboxes (and tests) may be starting from this
// directory while it is rebuilt, and must never read a half-written envd.cjs.
const result = await build({
  entryPoints: [join(packageDir, 'src', 'main.ts')],
  outfile: join(bundleDir, 'envd.cjs'),
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['node-pty'],
  // Source uses import.meta.url to find files next to itself; in the CJS bundle that
  // becomes the bundle file's own URL, i.e. /.soulbox/envd/envd.cjs in a sandbox.
  define: { 'import.meta.url': '__envdImportMetaUrl' },
  banner: { js: "const __envdImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});
// A process of its own per JavaScript context, so it is a separate file: envd never loads it.
const kernel = await build({
  entryPoints: [join(packageDir, 'src', 'interpreter', 'node-kernel', 'kernel-main.ts')],
  outfile: join(bundleDir, 'js-kernel.cjs'),
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
});
const startup = readFileSync(join(packageDir, 'kernels', 'python-startup.py'));
for (const file of [
  ...result.outputFiles,
  ...kernel.outputFiles,
  { path: join(bundleDir, 'python-startup.py'), contents: startup },
]) {
  const tmp = `${file.path}.${process.pid}.tmp`;
  writeFileSync(tmp, file.contents);
  renameSync(tmp, file.path);
}

buildNative(bundleDir);

// node-pty 1.1.0 on Linux loads lib/*.js and build/Release/pty.node; prebuilds/ holds only
// macOS and Windows binaries, and the TypeScript sources, tests and maps are not needed.
const ptySrc = dirname(require.resolve('node-pty/package.json'));
const ptyDest = join(bundleDir, 'node_modules', 'node-pty');
if (!samePtyBuild(ptySrc, ptyDest)) copyNodePty(ptySrc, ptyDest);

console.log(`envd bundle: ${bundleDir} (${readdirSync(bundleDir).join(', ')})`);

/** True when dest already holds this node-pty version and binary, so nothing is replaced under a running sandbox. */
function samePtyBuild(src, dest) {
  const binary = join('build', 'Release', 'pty.node');
  if (!existsSync(join(dest, binary)) || !existsSync(join(dest, 'package.json'))) return false;
  const version = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  return (
    version(src) === version(dest) && statSync(join(src, binary)).size === statSync(join(dest, binary)).size
  );
}

function copyNodePty(src, dest) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(join(dest, 'build', 'Release'), { recursive: true });
  cpSync(join(src, 'package.json'), join(dest, 'package.json'));
  cpSync(join(src, 'LICENSE'), join(dest, 'LICENSE'));
  cpSync(join(src, 'build', 'Release', 'pty.node'), join(dest, 'build', 'Release', 'pty.node'));
  cpSync(join(src, 'lib'), join(dest, 'lib'), {
    recursive: true,
    filter: (path) => !path.endsWith('.map') && !path.endsWith('.test.js'),
  });
  const spawnHelper = join(src, 'build', 'Release', 'spawn-helper');
  if (existsSync(spawnHelper)) cpSync(spawnHelper, join(dest, 'build', 'Release', 'spawn-helper'));
}

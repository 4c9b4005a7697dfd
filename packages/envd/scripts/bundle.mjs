// Produces packages/envd/bundle/, the self-contained directory the server copies to
// /.soulbox/envd/ inside every sandbox (run after `tsc -b`):
//   envd.cjs                      esbuild bundle of src/main.ts (node-pty stays external)
//   envd_native.node, envd-exec   native pieces (scripts/build-native.mjs)
//   node_modules/node-pty/        node-pty's Linux runtime files only
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildNative } from './build-native.mjs';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundleDir = join(packageDir, 'bundle');
const require = createRequire(join(packageDir, 'package.json'));

mkdirSync(bundleDir, { recursive: true });

await build({
  entryPoints: [join(packageDir, 'src', 'main.ts')],
  outfile: join(bundleDir, 'envd.cjs'),
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

buildNative(bundleDir);

// node-pty 1.1.0 on Linux loads lib/*.js and build/Release/pty.node; prebuilds/ holds only
// macOS and Windows binaries, and the TypeScript sources, tests and maps are not needed.
const ptySrc = dirname(require.resolve('node-pty/package.json'));
const ptyDest = join(bundleDir, 'node_modules', 'node-pty');
rmSync(ptyDest, { recursive: true, force: true });
mkdirSync(join(ptyDest, 'build', 'Release'), { recursive: true });
cpSync(join(ptySrc, 'package.json'), join(ptyDest, 'package.json'));
cpSync(join(ptySrc, 'LICENSE'), join(ptyDest, 'LICENSE'));
cpSync(join(ptySrc, 'build', 'Release', 'pty.node'), join(ptyDest, 'build', 'Release', 'pty.node'));
cpSync(join(ptySrc, 'lib'), join(ptyDest, 'lib'), {
  recursive: true,
  filter: (src) => !src.endsWith('.map') && !src.endsWith('.test.js'),
});
const spawnHelper = join(ptySrc, 'build', 'Release', 'spawn-helper');
if (existsSync(spawnHelper)) cpSync(spawnHelper, join(ptyDest, 'build', 'Release', 'spawn-helper'));
console.log(`envd bundle: ${bundleDir} (${readdirSync(bundleDir).join(', ')})`);

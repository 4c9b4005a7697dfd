// Rewrites the generated reference block of docs/cli.md from the built CLI's command tree:
//   npx tsc -b packages/cli && node packages/cli/scripts/gen-cli-docs.mjs
import fs from 'node:fs';
import { createProgram, renderCliReference } from '../dist/index.js';

const file = new URL('../../../docs/cli.md', import.meta.url);
const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: {},
  cwd: '/',
  onSignal: () => () => {},
};
const begin = '<!-- BEGIN GENERATED REFERENCE -->\n';
const end = '<!-- END GENERATED REFERENCE -->';
const doc = fs.readFileSync(file, 'utf8');
const head = doc.slice(0, doc.indexOf(begin) + begin.length);
const tail = doc.slice(doc.indexOf(end));
fs.writeFileSync(file, head + renderCliReference(createProgram(io)) + tail);

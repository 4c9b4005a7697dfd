import { runCli } from './run-cli.js';

// The entry point: real process streams, environment and signals.
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  onSignal(signal, fn) {
    process.on(signal, fn);
    return () => process.off(signal, fn);
  },
});
process.exitCode = code;

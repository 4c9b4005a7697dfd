import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Process } from '@soulbox/proto';
import { type EnvdEndpoint, oneShotAgent } from '../runtime/envd-endpoint.js';

/** Output of a command run to completion through envd. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Non-empty when the process was killed by a signal or failed to start. */
  error?: string;
}

/** Options for {@link execThroughEnvd}. */
export interface ExecOptions {
  /** Run as this user. @default the sandbox's default user */
  user?: string;
  cwd?: string;
  envs?: Record<string, string>;
  /** Kill the command after this long (0 = never). @default 60000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A Connect transport to envd's API server that opens a fresh connection per call. */
export function envdTransport(envd: EnvdEndpoint) {
  return createConnectTransport({
    baseUrl: 'http://envd',
    httpVersion: '1.1',
    nodeOptions: { agent: oneShotAgent(envd) },
  });
}

/**
 * Runs `bash -l -c <command>` inside a sandbox through envd's Process service (the same
 * path the E2B SDK's commands take, minus the data plane).
 */
export async function execThroughEnvd(
  envd: EnvdEndpoint,
  command: string,
  opts: ExecOptions = {},
): Promise<ExecResult> {
  const client = createClient(Process, envdTransport(envd));
  const headers: Record<string, string> = { ...envd.headers };
  if (opts.user) headers.authorization = `Basic ${Buffer.from(`${opts.user}:`).toString('base64')}`;
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let result: ExecResult | undefined;
  const stream = client.start(
    {
      process: { cmd: '/bin/bash', args: ['-l', '-c', command], envs: opts.envs ?? {}, cwd: opts.cwd },
      stdin: false,
    },
    { headers, timeoutMs: opts.timeoutMs ?? 60_000, signal: opts.signal },
  );
  for await (const msg of stream) {
    const ev = msg.event?.event;
    if (ev?.case === 'data') {
      if (ev.value.output.case === 'stdout') stdout.push(Buffer.from(ev.value.output.value));
      else if (ev.value.output.case === 'stderr') stderr.push(Buffer.from(ev.value.output.value));
    } else if (ev?.case === 'end') {
      result = {
        exitCode: ev.value.exitCode,
        stdout: '',
        stderr: '',
        ...(ev.value.error ? { error: ev.value.error } : {}),
      };
    }
  }
  if (!result) throw new Error('the process stream ended without an end event');
  result.stdout = Buffer.concat(stdout).toString('utf8');
  result.stderr = Buffer.concat(stderr).toString('utf8');
  return result;
}

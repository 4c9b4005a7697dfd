import fs from 'node:fs';
import http from 'node:http';
import { createClient } from '@connectrpc/connect';
import { Process } from '@soulbox/proto';
import { type EnvdEndpoint, oneShotAgent } from '../runtime/envd-endpoint.js';
import { envdTransport } from '../sandbox/envd-client.js';
import { capLogLine, MAX_LOG_LINE_CHARS } from './build-registry.js';

/** One process run in the build sandbox. */
export interface StepProcess {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd: string;
  user: string;
}

/**
 * Splits a process's output into lines for the build log. An unfinished line longer than
 * {@link MAX_LOG_LINE_CHARS} is passed on cut and the rest of it skipped: a step that prints
 * without newlines must not grow the server's memory.
 */
export function createLineSplitter(onLine: (stream: 'stdout' | 'stderr', line: string) => void) {
  const partial = { stdout: '', stderr: '' };
  const skipping = { stdout: false, stderr: false };
  const feed = (stream: 'stdout' | 'stderr', text: string, flush: boolean) => {
    const lines = (partial[stream] + text).split(/\r?\n|\r/);
    partial[stream] = flush ? '' : (lines.pop() ?? '');
    for (const [i, l] of lines.entries()) {
      if (i === 0 && skipping[stream]) {
        skipping[stream] = false;
        continue;
      }
      if (l !== '' || !flush) onLine(stream, capLogLine(l));
    }
    if (partial[stream].length > MAX_LOG_LINE_CHARS) {
      if (!skipping[stream]) onLine(stream, capLogLine(partial[stream]));
      skipping[stream] = true;
      partial[stream] = '';
    }
  };
  return { feed };
}

/**
 * Runs a process through envd's Process service (no data
 * plane: the build runs inside the server) and passes each complete output line on.
 * Resolves with the exit code; -1 when killed by a signal.
 */
export async function runStep(
  envd: EnvdEndpoint,
  p: StepProcess,
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
  signal: AbortSignal,
): Promise<{ exitCode: number; status: string }> {
  const client = createClient(Process, envdTransport(envd));
  const { feed } = createLineSplitter(onLine);
  const decoder = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  let end: { exitCode: number; status: string } | undefined;
  const stream = client.start(
    { process: { cmd: p.cmd, args: p.args, envs: p.envs, cwd: p.cwd }, stdin: false },
    // No deadline per step: a long apt-get is normal. The build's own signal bounds it.
    {
      headers: { ...envd.headers, authorization: `Basic ${Buffer.from(`${p.user}:`).toString('base64')}` },
      signal,
    },
  );
  for await (const msg of stream) {
    const ev = msg.event?.event;
    if (ev?.case === 'data') {
      const out = ev.value.output;
      if (out.case === 'stdout' || out.case === 'stderr')
        feed(out.case, decoder[out.case].decode(out.value, { stream: true }), false);
    } else if (ev?.case === 'end') {
      end = { exitCode: ev.value.exitCode, status: ev.value.status };
    }
  }
  feed('stdout', '', true);
  feed('stderr', '', true);
  if (!end) throw new Error('the process stream ended without an exit status');
  return end;
}

/** Uploads a host file into the sandbox through envd's `POST /files` (octet-stream), as root. */
export function uploadToSandbox(envd: EnvdEndpoint, hostFile: string, sandboxPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const size = fs.statSync(hostFile).size;
    const query = new URLSearchParams({ path: sandboxPath, username: 'root' });
    const req = http.request(
      {
        agent: oneShotAgent(envd),
        method: 'POST',
        path: `/files?${query}`,
        headers: { ...envd.headers, 'content-type': 'application/octet-stream', 'content-length': size },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else
            reject(
              new Error(`upload to ${sandboxPath} failed (${res.statusCode}): ${Buffer.concat(chunks)}`),
            );
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    fs.createReadStream(hostFile).on('error', reject).pipe(req);
  });
}

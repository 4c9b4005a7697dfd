import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ApiClient } from '../api-client.js';
import { SoulBoxClientError } from '../errors.js';
import type { BuildLogEntry, BuildStatusWire, TemplateInfo, TemplateStep } from '../wire-types.js';
import { contextFiles, contextTar } from './build-context.js';
import { type DockerfileStep, parseDockerfile } from './dockerfile.js';

/** Options of {@link Templates.build}. */
export interface BuildTemplateOptions {
  /** Template name (a-z, 0-9, `-`, `_`). */
  name: string;
  /** The Dockerfile's text. */
  dockerfile: string;
  /** Directory COPY sources are relative to. @default process.cwd() */
  contextDir?: string;
  /** Rebuild even when nothing changed. @default false */
  force?: boolean;
  cpuCount?: number;
  memoryMiB?: number;
  /** Each build log line, as it arrives. */
  onLog?: (entry: BuildLogEntry) => void;
  /** Status poll period, ms. @default 500 */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

/** The outcome of a successful build. */
export interface BuildResult {
  templateID: string;
  buildID: string;
}

async function toWireStep(
  s: DockerfileStep,
  contextDir: string,
): Promise<{ step: TemplateStep; upload?: { hash: string; body: () => Readable } }> {
  switch (s.type) {
    case 'RUN':
      return { step: { type: 'RUN', args: [s.command] } };
    case 'ENV':
      return { step: { type: 'ENV', args: s.vars.flat() } };
    case 'WORKDIR':
      return { step: { type: 'WORKDIR', args: [s.path] } };
    case 'USER':
      return { step: { type: 'USER', args: [s.user] } };
    case 'COPY': {
      const files = await contextFiles(contextDir, s.src);
      return {
        step: {
          type: 'COPY',
          args: [files.src, s.dest, s.chown ?? '', s.chmod ?? ''],
          filesHash: files.hash,
        },
        upload: { hash: files.hash, body: () => contextTar(contextDir, files) },
      };
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

/** Templates: list, delete, and builds from the Dockerfile subset (E2B's v3 build flow). */
export class Templates {
  constructor(private readonly api: ApiClient) {}

  list(o: { signal?: AbortSignal } = {}): Promise<TemplateInfo[]> {
    return this.api.json<TemplateInfo[]>('GET', '/templates', o);
  }

  /** Deletes every build of a template (refused while sandboxes use it). */
  async delete(name: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json('DELETE', `/templates/${encodeURIComponent(name)}`, o);
  }

  /** One status poll: state and the log lines from `logsOffset` on. */
  getBuildStatus(templateID: string, buildID: string, logsOffset = 0, o: { signal?: AbortSignal } = {}) {
    return this.api.json<BuildStatusWire>(
      'GET',
      `/templates/${encodeURIComponent(templateID)}/builds/${encodeURIComponent(buildID)}/status`,
      { query: { logsOffset, limit: 1000 }, signal: o.signal },
    );
  }

  /**
   * Builds a template: parses the Dockerfile here (errors name the line), uploads each COPY
   * source once (by content hash), starts the build, and follows its log until it ends.
   * @throws SoulBoxClientError kind `build` naming the failed step
   */
  async build(o: BuildTemplateOptions): Promise<BuildResult> {
    const contextDir = o.contextDir ?? process.cwd();
    const parsed = parseDockerfile(o.dockerfile);
    if (!fs.existsSync(contextDir))
      throw new SoulBoxClientError('usage', `build context ${contextDir} does not exist`);
    const wire: Awaited<ReturnType<typeof toWireStep>>[] = [];
    for (const s of parsed.steps) wire.push(await toWireStep(s, contextDir));
    const created = await this.api.json<{ templateID: string; buildID: string }>('POST', '/v3/templates', {
      body: { name: o.name, cpuCount: o.cpuCount, memoryMB: o.memoryMiB },
      signal: o.signal,
    });
    const { templateID, buildID } = created;
    for (const { upload } of wire) {
      if (!upload) continue;
      const path = `/templates/${encodeURIComponent(templateID)}/files/${upload.hash}`;
      const r = await this.api.json<{ present: boolean }>('GET', path, { signal: o.signal });
      if (r.present) continue;
      await this.api.json('PUT', path, {
        rawBody: Readable.toWeb(upload.body()) as unknown as ReadableStream<Uint8Array>,
        headers: { 'Content-Type': 'application/gzip' },
        signal: o.signal,
        timeoutMs: 0,
      });
    }
    const base =
      'template' in parsed.from ? { fromTemplate: parsed.from.template } : { fromImage: parsed.from.image };
    await this.api.json(
      'POST',
      `/v2/templates/${encodeURIComponent(templateID)}/builds/${encodeURIComponent(buildID)}`,
      {
        body: { ...base, steps: wire.map((w) => w.step), force: o.force ?? false },
        signal: o.signal,
      },
    );
    let offset = 0;
    for (;;) {
      const s = await this.getBuildStatus(templateID, buildID, offset, { signal: o.signal });
      for (const e of s.logEntries) o.onLog?.(e);
      offset += s.logEntries.length;
      if (s.logEntries.length > 0) continue;
      if (s.status === 'ready') return { templateID, buildID };
      if (s.status === 'error') {
        throw new SoulBoxClientError('build', s.reason?.message ?? 'the build failed', {
          code: 'TEMPLATE_BUILD_FAILED',
        });
      }
      await sleep(o.pollIntervalMs ?? 500, o.signal);
    }
  }
}

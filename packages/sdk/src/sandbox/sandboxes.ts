import type { ApiClient } from '../api-client.js';
import type { SandboxInfo, SandboxWire } from '../wire-types.js';
import { Sandbox } from './sandbox.js';
import { withoutTokens } from './sandbox-info.js';

/** Options of {@link Sandboxes.create}. */
export interface CreateSandboxOptions {
  /** Template name. @default 'base' */
  template?: string;
  /** Lifetime, seconds. @default the server's (300) */
  timeoutS?: number;
  metadata?: Record<string, string>;
  envVars?: Record<string, string>;
  /** false = loopback only. @default true */
  allowInternetAccess?: boolean;
  /**
   * false = the sandbox's ports answer only requests with its traffic token
   * (`sandbox.trafficAccessToken`, header `e2b-traffic-access-token`). @default the server's
   */
  allowPublicTraffic?: boolean;
  cpuCount?: number;
  memoryMiB?: number;
  diskMiB?: number;
  signal?: AbortSignal;
}

/** Filter of {@link Sandboxes.list}. */
export interface ListSandboxesOptions {
  state?: ('running' | 'paused')[];
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

const enc = encodeURIComponent;

/** Sandbox lifecycle calls (E2B REST). Every method takes a sandbox id. */
export class Sandboxes {
  constructor(private readonly api: ApiClient) {}

  /** Creates a sandbox and returns a handle for commands, files and terminals. */
  async create(o: CreateSandboxOptions = {}): Promise<Sandbox> {
    const body = {
      templateID: o.template ?? 'base',
      ...(o.timeoutS !== undefined ? { timeout: o.timeoutS } : {}),
      ...(o.metadata ? { metadata: o.metadata } : {}),
      ...(o.envVars ? { envVars: o.envVars } : {}),
      ...(o.allowInternetAccess === false ? { allow_internet_access: false } : {}),
      ...(o.allowPublicTraffic !== undefined
        ? { network: { allowPublicTraffic: o.allowPublicTraffic } }
        : {}),
      ...(o.cpuCount !== undefined ? { cpuCount: o.cpuCount } : {}),
      ...(o.memoryMiB !== undefined ? { memoryMB: o.memoryMiB } : {}),
      ...(o.diskMiB !== undefined ? { diskSizeMB: o.diskMiB } : {}),
    };
    // Creating may build the template first (minutes on a fresh server): no client timeout.
    const w = await this.api.json<SandboxWire>('POST', '/v2/sandboxes', {
      body,
      signal: o.signal,
      timeoutMs: 0,
    });
    return new Sandbox(this.api, w);
  }

  /**
   * A handle to an existing sandbox. Resumes a paused one; extends (never shortens) a
   * running one's timeout to `timeoutS` from now.
   */
  async connect(sandboxId: string, o: { timeoutS?: number; signal?: AbortSignal } = {}): Promise<Sandbox> {
    const w = await this.api.json<SandboxWire>('POST', `/v2/sandboxes/${enc(sandboxId)}/connect`, {
      body: o.timeoutS === undefined ? {} : { timeout: o.timeoutS },
      signal: o.signal,
    });
    return new Sandbox(this.api, w);
  }

  /**
   * A handle to an existing sandbox without touching its lifetime (unlike {@link connect},
   * which resumes and extends). Commands fail while it is paused.
   */
  async get(sandboxId: string, o: { signal?: AbortSignal } = {}): Promise<Sandbox> {
    const w = await this.api.json<SandboxWire>('GET', `/sandboxes/${enc(sandboxId)}`, o);
    return new Sandbox(this.api, w);
  }

  /** Every running and paused sandbox of the caller (all pages), newest first. */
  async list(o: ListSandboxesOptions = {}): Promise<SandboxInfo[]> {
    const out: SandboxInfo[] = [];
    let nextToken: string | undefined;
    const metadata = o.metadata
      ? new URLSearchParams(
          Object.entries(o.metadata).map(([k, v]): [string, string] => [enc(k), enc(v)]),
        ).toString()
      : undefined;
    do {
      const res = await this.api.raw('GET', '/v2/sandboxes', {
        query: { state: o.state?.join(','), metadata, limit: 100, nextToken },
        signal: o.signal,
      });
      out.push(...((await res.json()) as SandboxInfo[]));
      nextToken = res.headers.get('x-next-token') || undefined;
    } while (nextToken);
    return out;
  }

  info(sandboxId: string, o: { signal?: AbortSignal } = {}): Promise<SandboxInfo> {
    return this.api.json<SandboxInfo>('GET', `/sandboxes/${enc(sandboxId)}`, o).then(withoutTokens);
  }

  async kill(sandboxId: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json('DELETE', `/sandboxes/${enc(sandboxId)}`, o);
  }

  async pause(sandboxId: string, o: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json('POST', `/sandboxes/${enc(sandboxId)}/pause`, { body: {}, ...o });
  }

  /** Resumes a paused sandbox (an error when it is running). */
  async resume(sandboxId: string, o: { timeoutS?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json('POST', `/sandboxes/${enc(sandboxId)}/resume`, {
      body: o.timeoutS === undefined ? {} : { timeout: o.timeoutS },
      signal: o.signal,
    });
  }

  /** Sets the sandbox to end `timeoutS` seconds from now (may shorten). */
  async setTimeout(sandboxId: string, timeoutS: number, o: { signal?: AbortSignal } = {}): Promise<void> {
    await this.api.json('POST', `/sandboxes/${enc(sandboxId)}/timeout`, {
      body: { timeout: timeoutS },
      ...o,
    });
  }
}

import type { ApiClient } from '../api-client.js';
import { Commands } from '../commands/commands.js';
import { Pty } from '../commands/pty.js';
import { createEnvdConnection } from '../envd/envd-connection.js';
import { type CopyOptions, downloadPath, uploadPath } from '../files/copy.js';
import { Files } from '../files/files.js';
import type { SandboxInfo, SandboxWire } from '../wire-types.js';
import { withoutTokens } from './sandbox-info.js';

/** A handle to one sandbox: commands, terminals, files and lifecycle. */
export class Sandbox {
  readonly sandboxId: string;
  readonly templateId: string;
  /**
   * Token for the sandbox's envd; sent as `X-Access-Token` on data-plane calls. Only callers
   * allowed `sandbox:execute` get it: for others commands and files answer 401.
   */
  readonly envdAccessToken: string | undefined;
  /**
   * With private ports (`allowPublicTraffic: false`): the header `e2b-traffic-access-token`
   * that requests to the sandbox's ports must carry.
   */
  readonly trafficAccessToken: string | undefined;
  readonly commands: Commands;
  readonly pty: Pty;
  readonly files: Files;

  constructor(
    private readonly api: ApiClient,
    wire: SandboxWire,
  ) {
    this.sandboxId = wire.sandboxID;
    this.templateId = wire.templateID;
    this.envdAccessToken = wire.envdAccessToken;
    this.trafficAccessToken = wire.trafficAccessToken ?? undefined;
    const envd = createEnvdConnection(api.connection.sandboxUrl, this.sandboxId, wire.envdAccessToken);
    this.commands = new Commands(envd);
    this.pty = new Pty(envd);
    this.files = new Files(envd);
  }

  /** Copies a local file or directory in (`docker cp` rules). */
  upload(localPath: string, sandboxPath: string, o?: CopyOptions): Promise<string> {
    return uploadPath(this, localPath, sandboxPath, o);
  }

  /** Copies a file or directory out (`docker cp` rules). */
  download(sandboxPath: string, localPath: string, o?: CopyOptions): Promise<string> {
    return downloadPath(this, sandboxPath, localPath, o);
  }

  info(): Promise<SandboxInfo> {
    return this.api.json<SandboxInfo>('GET', `/sandboxes/${this.sandboxId}`).then(withoutTokens);
  }

  async kill(): Promise<void> {
    await this.api.json('DELETE', `/sandboxes/${this.sandboxId}`);
  }

  async pause(): Promise<void> {
    await this.api.json('POST', `/sandboxes/${this.sandboxId}/pause`, { body: {} });
  }

  /** Ends the sandbox `timeoutS` seconds from now. */
  async setTimeout(timeoutS: number): Promise<void> {
    await this.api.json('POST', `/sandboxes/${this.sandboxId}/timeout`, { body: { timeout: timeoutS } });
  }
}

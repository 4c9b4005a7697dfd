import { createApiClient } from './api-client.js';
import { type Connection, type ConnectionOptions, resolveConnection } from './connection.js';
import { SandboxLogsApi } from './logs/logs.js';
import { Sandboxes } from './sandbox/sandboxes.js';
import { Templates } from './templates/templates.js';

/**
 * The SoulBox client.
 * @example
 * const sb = new SoulBox({ apiUrl: 'http://127.0.0.1:3000', apiKey: process.env.SOULBOX_API_KEY! });
 * const sbx = await sb.sandboxes.create();
 * console.log((await sbx.commands.run('echo hi')).stdout);
 * await sbx.kill();
 */
export class SoulBox {
  readonly connection: Connection;
  readonly sandboxes: Sandboxes;
  readonly logs: SandboxLogsApi;
  readonly templates: Templates;

  constructor(options: ConnectionOptions) {
    this.connection = resolveConnection(options);
    const api = createApiClient(this.connection);
    this.sandboxes = new Sandboxes(api);
    this.logs = new SandboxLogsApi(api);
    this.templates = new Templates(api);
  }

  /** Whether the server answers (`GET /health`, no key needed). */
  async health(o: { signal?: AbortSignal } = {}): Promise<boolean> {
    const api = createApiClient(this.connection);
    await api.json('GET', '/health', o);
    return true;
  }
}

import type { SandboxInfo } from '../wire-types.js';

/**
 * `GET /sandboxes/{id}` also carries the sandbox's tokens (for E2B SDKs that connect through
 * it); {@link SandboxInfo} is what a sandbox is, so they are left out, and nothing that
 * prints an info (`soulbox sandbox info --json`) shows a secret.
 */
export function withoutTokens(info: SandboxInfo): SandboxInfo {
  const out: Record<string, unknown> = { ...info };
  delete out.envdAccessToken;
  delete out.trafficAccessToken;
  return out as unknown as SandboxInfo;
}

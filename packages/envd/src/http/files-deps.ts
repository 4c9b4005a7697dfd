import type { Logger } from '../log/logger.js';
import type { EnvdNative } from '../native/envd-native.js';
import type { SandboxState } from '../state/sandbox-state.js';
import type { SandboxUser } from '../users/user-db.js';

/** What the `/files` handlers need from the rest of envd. */
export interface FilesDeps {
  readonly state: SandboxState;
  readonly native: EnvdNative;
  readonly logger: Logger;
  /**
   * The user named by the `username` query parameter, or the default user.
   * @throws EnvdError UNAUTHENTICATED (HTTP 401) for an unknown user
   */
  resolveUser(name: string | undefined): SandboxUser;
}

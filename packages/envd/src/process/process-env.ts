import type { SandboxUser } from '../users/user-db.js';

export interface ProcessEnvInput {
  /** envd's own PATH. */
  readonly pathEnv: string;
  readonly user: SandboxUser;
  /** Sandbox-wide variables (create-time envVars, `/init`). */
  readonly sandboxEnv: Readonly<Record<string, string>>;
  /** The request's `envs`: win over everything, and are never remembered. */
  readonly requestEnv: Readonly<Record<string, string>>;
}

/**
 * The environment of a new process, in upstream envd's order (later wins): PATH, then the
 * user's HOME/USER/LOGNAME, then the sandbox env vars, then the request's envs. Nothing of
 * envd's own environment leaks in besides PATH.
 */
export function buildProcessEnv({
  pathEnv,
  user,
  sandboxEnv,
  requestEnv,
}: ProcessEnvInput): Record<string, string> {
  return {
    PATH: pathEnv,
    HOME: user.home,
    USER: user.name,
    LOGNAME: user.name,
    ...sandboxEnv,
    ...requestEnv,
  };
}

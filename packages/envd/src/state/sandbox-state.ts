import type { EnvdConfig } from '../config/envd-config.js';

/** A `POST /init` body: what the host may change while envd runs. */
export interface InitUpdate {
  readonly envVars?: Readonly<Record<string, string>> | undefined;
  readonly defaultUser?: string | undefined;
  readonly defaultWorkdir?: string | undefined;
}

/**
 * The sandbox-wide settings every request reads: default user and workdir, the global env
 * vars for new processes. Starts from the config file; `POST /init` merges into it.
 */
export interface SandboxState {
  readonly sandboxId: string;
  readonly templateId: string;
  readonly pathEnv: string;
  readonly childOomScoreAdj: number | undefined;
  readonly defaultUser: string;
  readonly defaultWorkdir: string | undefined;
  /** Global env vars, including `E2B_SANDBOX`, `E2B_SANDBOX_ID` and `E2B_TEMPLATE_ID`. */
  envVars(): Record<string, string>;
  applyInit(update: InitUpdate): void;
}

export interface SandboxStateOptions {
  readonly config: EnvdConfig;
  /** PATH given to processes (envd's own). */
  readonly pathEnv: string;
}

export function createSandboxState({ config, pathEnv }: SandboxStateOptions): SandboxState {
  // The E2B markers come first so that create-time envVars may override them, as upstream.
  const envVars = new Map<string, string>([
    ['E2B_SANDBOX', 'true'],
    ['E2B_SANDBOX_ID', config.sandboxId],
    ['E2B_TEMPLATE_ID', config.templateId],
  ]);
  for (const [name, value] of Object.entries(config.envVars)) envVars.set(name, value);
  let defaultUser = config.defaultUser;
  let defaultWorkdir = config.defaultWorkdir;

  return {
    sandboxId: config.sandboxId,
    templateId: config.templateId,
    pathEnv,
    childOomScoreAdj: config.childOomScoreAdj,
    get defaultUser() {
      return defaultUser;
    },
    get defaultWorkdir() {
      return defaultWorkdir;
    },
    envVars: () => Object.fromEntries(envVars),
    applyInit(update) {
      if (update.envVars)
        for (const [name, value] of Object.entries(update.envVars)) envVars.set(name, value);
      if (update.defaultUser !== undefined) defaultUser = update.defaultUser;
      if (update.defaultWorkdir !== undefined) defaultWorkdir = update.defaultWorkdir || undefined;
    },
  };
}

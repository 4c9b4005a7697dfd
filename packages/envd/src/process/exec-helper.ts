import type { ChildSpec } from './child-handle.js';

/** The program and argv that make `envd-exec` become the user command. */
export interface ExecInvocation {
  readonly file: string;
  readonly args: string[];
}

/**
 * Wraps a user command in the `envd-exec` helper (native/envd_exec.c), which sets the
 * user's uid, gid and supplementary groups and the OOM score, then execs the command — so
 * the pid envd sees is the command's pid.
 */
export function execInvocation(helperPath: string, spec: ChildSpec): ExecInvocation {
  const { user } = spec;
  const groups = user.groups.length > 0 ? user.groups.join(',') : '-';
  const oom = spec.oomScoreAdj === undefined ? '-' : String(spec.oomScoreAdj);
  return {
    file: helperPath,
    args: [String(user.uid), String(user.gid), groups, oom, spec.cmd, ...spec.args],
  };
}

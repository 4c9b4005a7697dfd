import type { EnvCode } from './jupyter-kernel.js';

/** A language served by a Jupyter kernel installed in the template. */
export interface JupyterLanguage {
  /** The context language name (`python`, `r`). */
  readonly name: string;
  /** Command line of the kernel, given its connection file and envd's bundle directory. */
  argv(connectionFile: string, bundleDir: string): string[];
  /** Extra environment of the kernel process. */
  readonly env: Readonly<Record<string, string>>;
  readonly envCode: EnvCode;
}

/** Python and R string literals both accept JSON's escapes (\" \\ \n \uXXXX). */
const literal = (s: string) => JSON.stringify(s);

/** The file python kernels run at start (copied next to envd.cjs by the bundle script). */
export const PYTHON_STARTUP_FILE = 'python-startup.py';

export const PYTHON: JupyterLanguage = {
  name: 'python',
  argv: (connectionFile, bundleDir) => [
    'python3',
    '-m',
    'ipykernel_launcher',
    '-f',
    connectionFile,
    `--IPKernelApp.exec_files=${bundleDir}/${PYTHON_STARTUP_FILE}`,
    // No history database in ~/.ipython: nothing to lock or grow per context.
    '--HistoryManager.hist_file=:memory:',
  ],
  env: {
    // ipykernel picks the inline backend by itself; set explicitly in case a template
    // exports another one for scripts.
    MPLBACKEND: 'module://matplotlib_inline.backend_inline',
    // Silences debugpy's start-up warning about frozen modules on every kernel start.
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  },
  envCode: {
    set: (vars) =>
      `__import__("os").environ.update({${Object.entries(vars)
        .map(([k, v]) => `${literal(k)}: ${literal(v)}`)
        .join(', ')}})`,
    unset: (names) => `[__import__("os").environ.pop(k, None) for k in [${names.map(literal).join(', ')}]]`,
  },
};

export const R: JupyterLanguage = {
  name: 'r',
  argv: (connectionFile) => ['R', '--slave', '-e', 'IRkernel::main()', '--args', connectionFile],
  env: {},
  envCode: {
    set: (vars) =>
      `invisible(Sys.setenv(${Object.entries(vars)
        .map(([k, v]) => `${literal(k)} = ${literal(v)}`)
        .join(', ')}))`,
    unset: (names) => `invisible(Sys.unsetenv(c(${names.map(literal).join(', ')})))`,
  },
};

/** Jupyter-kernel languages by context language name. */
export const JUPYTER_LANGUAGES: Readonly<Record<string, JupyterLanguage>> = { python: PYTHON, r: R };

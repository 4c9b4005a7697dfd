import type { TemplateRecipe } from './recipe.js';

/**
 * `code-interpreter-v1` (alias `code-interpreter`), the default template of
 * `@e2b/code-interpreter`: `base` plus Debian's Jupyter kernels and data stack. envd serves
 * the code interpreter on port 49999 in its sandboxes and starts the kernels itself (python
 * on ipykernel, r on IRkernel, javascript/typescript on envd's own Node kernel), so the
 * template holds only packages: no Jupyter server, no service units.
 *
 * `python3-munkres` is listed so that apt satisfies python3-fonttools' `python3-scipy |
 * python3-munkres` with the small alternative: scipy drags in pythran, a C++ toolchain and
 * Boost (~300 MiB).
 */
export const CODE_INTERPRETER_RECIPE: TemplateRecipe = {
  name: 'code-interpreter-v1',
  aliases: ['code-interpreter'],
  parent: { template: 'base' },
  codeInterpreter: true,
  aptPackages: [
    'python3-ipykernel',
    'python3-matplotlib',
    'python3-munkres',
    'python3-numpy',
    'python3-pandas',
    'python3-requests',
    'r-cran-irkernel',
  ],
  setupScript: `# matplotlib builds its font cache on first import (seconds); build it now, as the
# sandbox user, so that the first plot in a sandbox is fast.
runuser -u user -- env HOME=/home/user MPLBACKEND=Agg python3 -c 'import matplotlib.pyplot'
test -n "$(ls /home/user/.cache/matplotlib)"
`,
};

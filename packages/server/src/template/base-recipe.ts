import type { TemplateRecipe } from './recipe.js';

/**
 * `base`: what E2B users and tests expect of E2B's default template (spec §6.2) on a
 * Debian bookworm minbase: user `user` (uid/gid 1000) with passwordless sudo, bash,
 * python + python3 (with pip), node + npm, git, curl, coreutils, umask 022.
 */
export const BASE_RECIPE: TemplateRecipe = {
  name: 'base',
  parent: { debootstrap: { suite: 'bookworm', variant: 'minbase' } },
  aptPackages: [
    'bash',
    'ca-certificates',
    'coreutils',
    'curl',
    'git',
    'iproute2',
    'iputils-ping',
    'jq',
    'less',
    // Resolves the sandbox's own hostname without an /etc/hosts entry; without it every
    // `sudo` warns "unable to resolve host".
    'libnss-myhostname',
    'netbase',
    'nodejs',
    'npm',
    'procps',
    'python-is-python3',
    'python3',
    'python3-pip',
    'sudo',
    'tzdata',
    'unzip',
    'xz-utils',
  ],
  setupScript: `# The E2B user: uid/gid 1000 (envd and the runtime rely on it), bash, home from /etc/skel.
groupadd --gid 1000 user
useradd --uid 1000 --gid 1000 --groups sudo --create-home --home-dir /home/user --shell /bin/bash user
passwd --delete user
printf 'user ALL=(ALL:ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/user
chmod 0440 /etc/sudoers.d/user
visudo --check --quiet --file=/etc/sudoers.d/user
# New files 0644 and directories 0755 in every kind of session, as E2B tests expect.
sed -i 's/^UMASK[[:space:]].*/UMASK\\t\\t022/' /etc/login.defs
grep -q '^UMASK' /etc/login.defs
printf '\\n# SoulBox: new files 0644, new directories 0755.\\numask 022\\n' | tee -a /etc/profile >> /etc/bash.bashrc
# E2B's image makes /usr/local writable so that \`npm i -g\` and \`pip install\` need no sudo,
# and its Python is not "externally managed" (Debian's is), so plain \`pip install\` works.
chmod -R a+rwX /usr/local
rm -f /usr/lib/python3*/EXTERNALLY-MANAGED
# E2B creates /code world-writable.
mkdir -p /code
chmod 0777 /code
`,
};

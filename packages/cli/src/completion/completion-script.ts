import type { Command } from 'commander';

/** One level of the command tree, as completion sees it. */
interface Level {
  path: string;
  children: string[];
  options: string[];
}

function levels(cmd: Command, prefix: string, inherited: string[]): Level[] {
  const own = cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  const options = [...inherited, ...own, '--help'];
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  const children = subs.flatMap((c) => [c.name(), ...c.aliases()]);
  const out: Level[] = [{ path: prefix, children, options: [...new Set(options)] }];
  for (const s of subs) {
    for (const name of [s.name(), ...s.aliases()]) {
      out.push(...levels(s, prefix ? `${prefix} ${name}` : name, prefix === '' ? own : inherited));
    }
  }
  return out;
}

/**
 * A bash completion script for the program, generated from the commander tree so that it
 * never drifts: it completes verbs, sub-verbs and flags; other words fall back to file names.
 */
export function bashCompletion(program: Command): string {
  const name = program.name();
  const fn = `_${name.replace(/\W/g, '_')}`;
  const all = levels(program, '', []);
  const cases = (pick: (l: Level) => string[]) =>
    all.map((l) => `    "${l.path}") echo "${pick(l).join(' ')}" ;;`).join('\n');
  return `# ${name} completion for bash. Load it with:  source <(${name} completion bash)
${fn}_children() {
  case "$1" in
${cases((l) => l.children)}
  esac
}
${fn}_options() {
  case "$1" in
${cases((l) => l.options)}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case " $(${fn}_children "$path") " in
      *" $w "*) path="\${path:+$path }$w" ;;
    esac
  done
  local words
  if [[ $cur == -* ]]; then words="$(${fn}_options "$path")"; else words="$(${fn}_children "$path")"; fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F ${fn} ${name}
`;
}

/** zsh completion: the bash function through zsh's bashcompinit (ships with zsh). */
export function zshCompletion(program: Command): string {
  const name = program.name();
  return `#compdef ${name}
# ${name} completion for zsh. Load it with:  source <(${name} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program).split('\n').slice(1).join('\n')}`;
}

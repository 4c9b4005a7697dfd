import { SoulBoxClientError } from '../errors.js';

/** What a build starts from: another SoulBox template, or an image name the server maps. */
export type DockerfileBase = { template: string } | { image: string };

/** One instruction of the Dockerfile subset, with the line it came from. */
export type DockerfileStep = { line: number } & (
  | { type: 'RUN'; command: string }
  | { type: 'COPY'; src: string; dest: string; chown?: string; chmod?: string }
  | { type: 'ENV'; vars: [string, string][] }
  | { type: 'WORKDIR'; path: string }
  | { type: 'USER'; user: string }
);

/** A parsed Dockerfile. */
export interface ParsedDockerfile {
  from: DockerfileBase;
  steps: DockerfileStep[];
}

/** The instructions SoulBox builds. */
export const SUPPORTED_INSTRUCTIONS = ['FROM', 'RUN', 'COPY', 'ENV', 'WORKDIR', 'USER'] as const;

function fail(line: number, message: string): never {
  throw new SoulBoxClientError('usage', `Dockerfile line ${line}: ${message}`);
}

/** Splits like a shell: whitespace separates words; quotes group; backslash escapes. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error('unterminated quote');
  if (inWord) words.push(cur);
  return words;
}

function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Not JSON: Docker then treats it as the shell form too.
  }
  return undefined;
}

/** Joins continuation lines (`\` at the end) and drops comments, keeping line numbers. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') && (pending || !/\S/.test(raw.split('#')[0]!))) return;
    if (!pending && trimmed === '') return;
    const cont = /\\\s*$/.test(raw);
    const body = cont ? raw.replace(/\\\s*$/, '') : raw;
    if (pending) pending.text += ` ${body.trim()}`;
    else pending = { line: i + 1, text: body.trim() };
    if (!cont) {
      out.push(pending);
      pending = undefined;
    }
  });
  if (pending) out.push(pending);
  return out;
}

function parseBase(line: number, rest: string): DockerfileBase {
  const words = rest.split(/\s+/);
  if (words.length > 1) fail(line, 'multi-stage builds (FROM ... AS) are not supported');
  const ref = words[0]!;
  if (!ref) fail(line, 'FROM needs a base');
  // `debian:bookworm`, `library/debian`, `ubuntu`: images; a plain name is a SoulBox template.
  if (/[:/@]/.test(ref) || ref === 'debian' || ref === 'ubuntu' || ref === 'scratch') return { image: ref };
  return { template: ref };
}

function parseEnv(line: number, rest: string): [string, string][] {
  let words: string[];
  try {
    words = shellWords(rest);
  } catch (err) {
    fail(line, (err as Error).message);
  }
  if (words.length === 0) fail(line, 'ENV needs NAME=value');
  if (!words[0]!.includes('=')) {
    // Legacy form: `ENV NAME value with spaces`.
    const [name, ...value] = rest.trim().split(/\s+/);
    return [[name!, value.join(' ')]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) fail(line, `expected NAME=value, got '${w}'`);
    return [w.slice(0, eq), w.slice(eq + 1)] as [string, string];
  });
}

function parseCopy(line: number, rest: string): DockerfileStep[] {
  let words = jsonArray(rest) ?? rest.split(/\s+/).filter(Boolean);
  let chown: string | undefined;
  let chmod: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    const [name, value] = [flag.split('=')[0], flag.slice(flag.indexOf('=') + 1)];
    if (name === '--chown') chown = value;
    else if (name === '--chmod') chmod = value;
    else fail(line, `COPY ${name} is not supported (only --chown and --chmod)`);
    const json = jsonArray(words.join(' '));
    if (json) words = json;
  }
  if (words.length < 2) fail(line, 'COPY needs a source and a destination');
  const dest = words.pop()!;
  if (words.length > 1 && !dest.endsWith('/'))
    fail(line, 'COPY with several sources needs a destination ending in /');
  return words.map((src) => {
    if (/[*?[]/.test(src)) fail(line, `COPY wildcards are not supported ('${src}')`);
    if (/^[a-z]+:\/\//i.test(src)) fail(line, 'COPY from a URL is not supported');
    return {
      line,
      type: 'COPY' as const,
      src,
      dest,
      ...(chown ? { chown } : {}),
      ...(chmod ? { chmod } : {}),
    };
  });
}

/**
 * Parses the Dockerfile subset SoulBox builds (FROM once, then RUN, COPY, ENV, WORKDIR,
 * USER). Anything else is refused with its line number, rather than silently ignored.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  let from: DockerfileBase | undefined;
  const steps: DockerfileStep[] = [];
  for (const { line, text: l } of logicalLines(text)) {
    const m = /^(\S+)\s*(.*)$/s.exec(l);
    const instr = m?.[1]?.toUpperCase() ?? '';
    const rest = (m?.[2] ?? '').trim();
    if (!from && instr !== 'FROM') fail(line, `the first instruction must be FROM, got ${instr}`);
    switch (instr) {
      case 'FROM':
        if (from) fail(line, 'only one FROM is supported');
        from = parseBase(line, rest);
        break;
      case 'RUN': {
        if (!rest) fail(line, 'RUN needs a command');
        const argv = jsonArray(rest);
        steps.push({ line, type: 'RUN', command: argv ? JSON.stringify(argv) : rest });
        break;
      }
      case 'COPY':
      case 'ADD':
        if (instr === 'ADD') fail(line, 'ADD is not supported; use COPY');
        steps.push(...parseCopy(line, rest));
        break;
      case 'ENV':
        steps.push({ line, type: 'ENV', vars: parseEnv(line, rest) });
        break;
      case 'WORKDIR':
        if (!rest) fail(line, 'WORKDIR needs a path');
        steps.push({ line, type: 'WORKDIR', path: rest });
        break;
      case 'USER':
        if (!rest || /\s/.test(rest)) fail(line, 'USER needs one user name');
        steps.push({ line, type: 'USER', user: rest });
        break;
      default:
        fail(line, `${instr} is not supported (SoulBox builds ${SUPPORTED_INSTRUCTIONS.join(', ')})`);
    }
  }
  if (!from) throw new SoulBoxClientError('usage', 'the Dockerfile has no FROM');
  return { from, steps };
}

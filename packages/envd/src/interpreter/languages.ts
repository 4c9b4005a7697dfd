import { EnvdError } from '../errors/envd-error.js';

/** Context languages envd can run, and the kernel family that runs each. */
export const LANGUAGES = {
  python: 'jupyter',
  r: 'jupyter',
  javascript: 'node',
  typescript: 'node',
} as const;

export type Language = keyof typeof LANGUAGES;

/** Languages that get a context at start-up, so the first execution finds a warm kernel. */
export const DEFAULT_LANGUAGES: readonly Language[] = ['python', 'javascript'];

const ALIASES: Readonly<Record<string, Language>> = {
  js: 'javascript',
  ts: 'typescript',
  python3: 'python',
  py: 'python',
};

/**
 * The language a request names, the way upstream's server reads it: trimmed, lower-cased,
 * `js`/`ts` expanded; none means python.
 * @throws EnvdError INVALID_ARGUMENT for a language without a kernel here
 */
export function normalizeLanguage(language: string | undefined): Language {
  const name = (language ?? '').trim().toLowerCase() || 'python';
  const resolved = ALIASES[name] ?? name;
  if (!(resolved in LANGUAGES)) {
    throw new EnvdError(
      'INVALID_ARGUMENT',
      `language '${language}' is not supported (supported: ${Object.keys(LANGUAGES).join(', ')})`,
    );
  }
  return resolved as Language;
}

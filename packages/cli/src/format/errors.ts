import { SoulBoxClientError } from '@soulbox/sdk';

/** Exit status of a failed command (usage errors included). */
export const EXIT_FAILURE = 1;

/** A usage problem found by the CLI itself (bad flag value, missing key). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** One line for people, whatever was thrown. Stack traces stay out of a user's terminal. */
export function formatError(err: unknown): string {
  if (err instanceof SoulBoxClientError) {
    if (err.kind === 'api' && err.code === 'UNAUTHENTICATED')
      return `the server refused the API key (${err.message}); check --api-key, SOULBOX_API_KEY or \`soulbox login\``;
    if (err.kind === 'api' && (err.code === 'SANDBOX_NOT_FOUND' || err.status === 404)) return err.message;
    return err.message;
  }
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

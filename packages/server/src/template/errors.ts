import type { TemplateBuildPhase } from './progress.js';

/**
 * The codes this area throws. They are kept here, in one file, so that swapping in the
 * project-wide `SoulBoxError` is a one-file change.
 */
export type TemplateErrorCode = 'TEMPLATE_NOT_FOUND' | 'TEMPLATE_BUILD_FAILED' | 'TEMPLATE_IN_USE';

/** Base class of every error the template store throws on purpose. */
export class TemplateError extends Error {
  readonly code: TemplateErrorCode;

  constructor(code: TemplateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
    this.code = code;
  }
}

/** The template name is not a known recipe (or, for `remove`, not a valid name). */
export class TemplateNotFoundError extends TemplateError {
  readonly template: string;

  constructor(template: string) {
    super('TEMPLATE_NOT_FOUND', `template "${template}" not found`);
    this.name = 'TemplateNotFoundError';
    this.template = template;
  }
}

/** A template cannot be removed because a mount still uses its rootfs. */
export class TemplateInUseError extends TemplateError {
  /** `user`: who holds it, e.g. `sandbox abc` or `the mount at /x`. */
  constructor(template: string, hash: string, user: string) {
    super('TEMPLATE_IN_USE', `template "${template}" (${hash.slice(0, 12)}) is still used by ${user}`);
    this.name = 'TemplateInUseError';
  }
}

export interface TemplateBuildErrorDetails {
  template: string;
  phase: TemplateBuildPhase;
  /** Exit code of the failing tool; `null` when it did not run or died from a signal. */
  exitCode: number | null;
  /** The last ~40 lines the tool printed, oldest first. */
  outputTail?: readonly string[];
  cause?: unknown;
}

/** A build step failed. The message names the phase and the exit code and ends with the tool's output tail. */
export class TemplateBuildError extends TemplateError {
  readonly template: string;
  readonly phase: TemplateBuildPhase;
  readonly exitCode: number | null;
  readonly outputTail: readonly string[];

  constructor(summary: string, details: TemplateBuildErrorDetails) {
    const tail = details.outputTail ?? [];
    const exit = details.exitCode === null ? '' : ` (exit code ${details.exitCode})`;
    const output = tail.length > 0 ? `\n--- last ${tail.length} lines of output ---\n${tail.join('\n')}` : '';
    super(
      'TEMPLATE_BUILD_FAILED',
      `template "${details.template}" failed in phase ${details.phase}${exit}: ${summary}${output}`,
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.name = 'TemplateBuildError';
    this.template = details.template;
    this.phase = details.phase;
    this.exitCode = details.exitCode;
    this.outputTail = tail;
  }
}

/*
 * One error type for the whole speech-to-text module, so callers (worker, CLI, extension) can tell "the user must
 * install something / download a model" (show the message, stop asking for every file) from "this one file
 * failed" without matching message text. Messages always name the thing and the fix.
 */

import { ProblemError, settingFix, type Fix } from '../../core/problems';

export type WhisperErrorCode =
  /** cmake or a C/C++ compiler is missing: nothing can be transcribed until it is installed. */
  | 'tools-missing'
  /** cmake configure or build failed. */
  | 'build-failed'
  /** An explicitly given whisper-cli path does not exist or cannot be executed. */
  | 'cli-missing'
  /** No whisper-cli is built and the caller said not to build one now (the user cancelled its build). */
  | 'not-built'
  /** The model file does not exist (not downloaded yet, or a wrong path). */
  | 'model-missing'
  /** A model name that whisper.cpp does not publish. */
  | 'model-unknown'
  /** Downloading a model failed (network, HTTP status, not a ggml file). */
  | 'download-failed'
  /** whisper-cli ran but failed for this input. */
  | 'transcribe-failed'
  /** whisper-cli ran longer than the caller's timeout and was killed. */
  | 'timeout';

export class WhisperError extends ProblemError {
  override name = 'WhisperError';
  /** `message`: what happened; `fixes`: what to do; `output`: the tail of a tool's output (formatTail). */
  constructor(
    readonly code: WhisperErrorCode,
    message: string,
    fixes: Fix[] = [],
    output?: string,
  ) {
    super({ code, message, fixes, ...(output ? { output } : {}) });
  }
}

/** Bringing one's own whisper-cli instead: the way out of every build problem. */
export const OWN_WHISPER_CLI = settingFix('whisperCliPath');

/**
 * Cancellation is reported like fetch's and child_process's own aborts (name 'AbortError'), which is what the rest
 * of the engine already checks for.
 */
export function abortError(what: string): Error {
  const error = new Error(`${what} cancelled.`);
  error.name = 'AbortError';
  return error;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** The last `count` non-empty lines, indented, for appending to an error message. */
export function formatTail(lines: readonly string[], count = 15): string {
  const tail = lines.filter((line) => line.trim() !== '').slice(-count);
  return tail.length === 0 ? '' : `\n${tail.map((line) => `  ${line}`).join('\n')}`;
}


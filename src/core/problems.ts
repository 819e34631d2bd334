/*
 * Problems as typed facts: what happened (a code and a sentence with the facts), and what fixes it as data — a
 * choice the user sets (a CLI flag, a VS Code setting), a command, or an instruction that is the same everywhere.
 * They cross process boundaries as JSON (worker failures, pending records, run warnings); each front end words the
 * fixes its own way (src/cli/wording.ts, src/extension/logic/wording.ts) and picks its buttons from them, so
 * rewording a message cannot break the extension.
 */

/** A choice both front ends offer: a CLI flag and a VS Code setting of the same meaning. */
export type Setting = 'ollamaHost' | 'model' | 'cacheDir' | 'log' | 'ffmpegPath' | 'whisperCliPath' | 'whisperModel';

export type Fix =
  /**
   * An instruction worded the same on every front end ("start it with `ollama serve`"). `endsWithPath`: no full
   * stop after it, or it would be copied along with the path.
   */
  | { kind: 'do'; text: string; endsWithPath?: boolean }
  /** Set a choice to something else. */
  | { kind: 'setting'; setting: Setting }
  /** Download a whisper model (CLI: --download-whisper-model; VS Code: the command). */
  | { kind: 'downloadWhisperModel'; model: string };

export interface Problem {
  /** Stable for a kind of problem; front ends decide on it, never on the wording. */
  code: string;
  /** What happened, with its facts, as one sentence without a final period and without front-end advice. */
  message: string;
  /** Alternatives, in the order to try; worded after the message ("— fix, or fix."). */
  fixes: Fix[];
  /** The last lines of a tool's output, shown after the fix (starts with a newline). */
  output?: string;
}

/** An error that carries its problem; its message is the problem without front-end advice (for logs). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    options?: ErrorOptions,
  ) {
    super(wordProblem(problem, () => undefined), options);
  }
}

export function problem(code: string, message: string, ...fixes: Fix[]): Problem {
  return { code, message, fixes };
}

export const doFix = (text: string): Fix => ({ kind: 'do', text });
export const settingFix = (setting: Setting): Fix => ({ kind: 'setting', setting });

/** The code of an error that carries no problem: a file's bad bytes, a crash, a library's own error. */
export const UNEXPECTED = 'unexpected';

/** The problem an error carries, or an UNEXPECTED one with its message. */
export function problemOf(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  const message = error instanceof Error ? error.message : String(error);
  return { code: UNEXPECTED, message, fixes: [] };
}

/** A fix worded by a front end; undefined leaves it out (a front end without that control). */
export type FixWording = (fix: Exclude<Fix, { kind: 'do' }>) => string | undefined;

/** "message — fix, or fix." plus the tool output; the one sentence shape every front end uses. */
export function wordProblem(problem: Problem, wordFix: FixWording): string {
  const fixes = problem.fixes.map((fix) => (fix.kind === 'do' ? fix.text : wordFix(fix))).filter((text): text is string => Boolean(text));
  // Errors from elsewhere (problemOf) may end their message with a full stop already.
  const message = problem.message.replace(/\.$/, '');
  const last = problem.fixes.at(-1);
  const stop = last?.kind === 'do' && last.endsWithPath ? '' : '.';
  const sentence = fixes.length > 0 ? `${message} — ${joinAlternatives(fixes)}${stop}` : /[!?]$/.test(message) ? message : `${message}.`;
  return sentence + (problem.output ?? '');
}

function joinAlternatives(fixes: string[]): string {
  return fixes.length === 1 ? fixes[0] : `${fixes.slice(0, -1).join(', ')}, or ${fixes.at(-1)}`;
}

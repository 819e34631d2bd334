/**
 * Problems worded for VS Code: a choice is the setting that holds it, a command is the palette's; and the
 * buttons a notification offers for them. No `vscode` import.
 */
import { wordProblem, type Fix, type FixWording, type Problem, type Setting } from '../../core/problems';
import type { SettingKey } from './settings';

/** Settings by the title the Settings editor shows (what a user finds there; Open Settings goes to it). */
const SETTINGS: Record<Setting, { key: SettingKey; advice: string }> = {
  ollamaHost: { key: 'ollama.host', advice: 'change the setting "Ollama: Host"' },
  model: { key: 'model', advice: 'choose another with "Media Summarizer: Select Ollama Model…"' },
  cacheDir: { key: 'cache.location', advice: 'change the setting "Cache: Location" to use another directory' },
  log: { key: 'log.location', advice: 'set "Log: Location" to "storage" or "none"' },
  ffmpegPath: { key: 'ffmpegPath', advice: 'set the path of ffmpeg in the setting "Ffmpeg Path"' },
  whisperCliPath: { key: 'whisper.cliPath', advice: 'set "Whisper: Cli Path" to an existing whisper-cli' },
  whisperModel: { key: 'whisper.model', advice: 'choose another in the setting "Whisper: Model"' },
};

const wordFix: FixWording = (fix) =>
  fix.kind === 'setting' ? SETTINGS[fix.setting].advice : `run the command "Media Summarizer: Download Whisper Model" (${fix.model})`;

/**
 * The problem as one sentence for a notification or the log. Notifications show no markdown: commands quoted in
 * backticks for a terminal (`ollama serve`) are quoted with plain quotes.
 */
export function extensionWording(problem: Problem): string {
  return wordProblem(problem, wordFix).replace(/`([^`\n]+)`/g, '"$1"');
}

/** A button of a notification and what it does. */
export type FixAction = { label: 'Download Whisper Model'; model: string } | { label: 'Open Settings'; setting: SettingKey };

/** The buttons for a problem's fixes: one per command, one Open Settings for the first setting. */
export function fixActions(problem: Problem): FixAction[] {
  const actions: FixAction[] = [];
  for (const fix of problem.fixes) {
    if (fix.kind === 'downloadWhisperModel') actions.push({ label: 'Download Whisper Model', model: fix.model });
  }
  const setting = problem.fixes.find((fix): fix is Extract<Fix, { kind: 'setting' }> => fix.kind === 'setting');
  if (setting) actions.push({ label: 'Open Settings', setting: SETTINGS[setting.setting].key });
  return actions;
}

/** Problems worded for the terminal: a choice is the flag that sets it, a command is the CLI's own. */
import { wordProblem, type FixWording, type Problem, type Setting } from '../core/problems';

const FLAGS: Record<Setting, string> = {
  ollamaHost: 'pass --ollama-host URL',
  model: 'pass --model NAME',
  cacheDir: 'pass --cache-dir with another directory',
  log: 'pass --log FILE somewhere writable or --no-log',
  ffmpegPath: 'pass --ffmpeg PATH',
  whisperCliPath: 'pass an existing whisper-cli with `--whisper-cli PATH`',
  whisperModel: 'choose another with --whisper-model',
};

const wordFix: FixWording = (fix) => (fix.kind === 'setting' ? FLAGS[fix.setting] : `run \`media-summarizer --download-whisper-model ${fix.model}\``);

export function cliWording(problem: Problem): string {
  return wordProblem(problem, wordFix);
}

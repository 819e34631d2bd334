/**
 * `--download-whisper-model NAME` and `--download-ocr-lang L1+L2`: a download with a progress bar on a terminal,
 * then where the file is, or the problem worded.
 */
import { SingleBar } from 'cli-progress';
import { inertTerminalText } from '../core/inert';
import { problemOf } from '../core/problems';
import { downloadOcrLanguage } from '../processors/ocrDownload';
import { downloadWhisperModel, whisperModelsDir } from '../processors/whisper/models';
import { cliWording } from './wording';

type Progress = (progress: { bytes: number; total?: number }) => void;

/** Runs `download` with a bar of megabytes (on a terminal, once the size is known); prints its result or problem. */
async function withProgressBar(label: string, download: (onProgress: Progress) => Promise<string>, done: (file: string) => string): Promise<number> {
  const bar = process.stderr.isTTY ? new SingleBar({ format: ` ${label} {bar} {percentage}% | {value}/{total} MB`, stream: process.stderr }) : undefined;
  let started = false;
  try {
    const file = await download(({ bytes, total }) => {
      if (!bar || !total) return;
      if (!started) bar.start(Math.round(total / 1e6), 0);
      started = true;
      bar.update(Math.round(bytes / 1e6));
    });
    bar?.stop();
    process.stdout.write(`${done(file)}\n`);
    return 0;
  } catch (error) {
    bar?.stop();
    process.stderr.write(`media-summarizer: ${inertTerminalText(cliWording(problemOf(error)))}\n`);
    return 1;
  }
}

export function downloadWhisperModelCommand(name: string, dataDir: string): Promise<number> {
  return withProgressBar(name, (onProgress) => downloadWhisperModel(name, whisperModelsDir(dataDir), onProgress), (file) => `Whisper model ${name} is ready: ${file}`);
}

export async function downloadOcrLanguagesCommand(langs: readonly string[], dataDir: string, baseUrl?: string): Promise<number> {
  for (const lang of langs) {
    const code = await withProgressBar(lang, (onProgress) => downloadOcrLanguage(lang, dataDir, { baseUrl, onProgress }), (file) => `OCR language ${lang} is ready: ${file}`);
    if (code !== 0) return code;
  }
  return 0;
}

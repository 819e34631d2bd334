import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { doFix, settingFix, type Fix } from '../../core/problems';
import { formatSeconds } from '../../core/durations';
import { scratchFolder } from '../../core/scratch';
import { OWN_WHISPER_CLI, WhisperError, abortError, formatTail } from './errors';
import { SpawnError, runProcess } from './exec';
import type { Transcript } from '../../core/job';
import { parseWhisperJson } from './output';

/*
 * Runs whisper-cli on one 16 kHz mono PCM WAV and returns the transcript with timestamps.
 *
 * whisper-cli writes its JSON result to `<-of>.json`; that goes into a private temp folder (mode 0o700) that is
 * removed afterwards, so nothing lands next to the user's media and no other user can read a transcript.
 * `--no-prints` is deliberately not passed: it also silences whisper.cpp's own diagnostics ("invalid model data
 * (bad magic)", "failed to read audio data"), which are exactly what our error messages quote. Only a bounded tail
 * of stderr is kept.
 */

export interface TranscribeOptions {
  cliPath: string;
  modelPath: string;
  /** A 16 kHz mono 16-bit PCM WAV the caller created (e.g. with ffmpeg) at a safe temp path. */
  wavPath: string;
  /** 'auto' (detect) or a language code such as 'en'. Default 'auto'. English-only models always use 'en'. */
  language?: string;
  /** CPU threads for this transcription. Default: threadsPerTranscription(1). */
  threads?: number;
  signal?: AbortSignal;
  /** Kill whisper-cli after this long (0 or undefined: no limit). */
  timeoutMs?: number;
  /** 0–100, from whisper-cli's `--print-progress`. */
  onProgress?: (percent: number) => void;
  /** Called with whisper-cli's process id once it has started (diagnostics, tests). */
  onStart?: (pid: number) => void;
  /** Parent folder for the private output folder. Default: the process's scratch folder (core/scratch.ts). */
  tempDir?: string;
}

/**
 * Threads for each of `concurrentTranscriptions` simultaneous whisper-cli runs, so together they use the cores
 * once instead of oversubscribing them (whisper.cpp's threads spin; oversubscription makes everything slower).
 */
export function threadsPerTranscription(concurrentTranscriptions: number, cores = os.availableParallelism()): number {
  const concurrent = Math.max(1, Math.floor(concurrentTranscriptions) || 1);
  return Math.max(1, Math.floor(cores / concurrent));
}

const PROGRESS = /progress\s*=\s*(\d+)%/;
const NOTABLE = /\b(error|failed|invalid|unknown|cannot|not found)\b/i;

export async function transcribe(options: TranscribeOptions): Promise<Transcript> {
  const what = 'Transcription';
  if (options.signal?.aborted) throw abortError(what);
  const cli = path.resolve(options.cliPath);
  const model = path.resolve(options.modelPath);
  const wav = path.resolve(options.wavPath); // absolute: a relative name could look like an option ("-x") or stdin ("-")
  const language = (options.language ?? 'auto').trim().toLowerCase() || 'auto';
  const threads = Math.max(1, Math.floor(options.threads ?? threadsPerTranscription(1)));

  await mustBeFile(cli, 'cli-missing', `whisper-cli not found at ${cli}`, OWN_WHISPER_CLI, doFix('leave it unset to build one'));
  await mustBeFile(model, 'model-missing', `Whisper model file not found: ${model}`, { kind: 'downloadWhisperModel', model: '<name>' }, settingFix('whisperModel'));
  await mustBeFile(wav, 'transcribe-failed', `Audio file to transcribe not found: ${wav}`, doFix('it must be created (16 kHz mono WAV) before transcribing'));

  const outDir = options.tempDir ? await mkdtemp(path.join(options.tempDir, 'media-summarizer-whisper-')) : await scratchFolder('whisper');
  try {
    // mkdtemp creates 0o700 on POSIX already; set it explicitly so the transcript is private whatever the platform does.
    await chmod(outDir, 0o700);
    const outBase = path.join(outDir, 'out');
    const args = ['-m', model, '-f', wav, '-t', String(threads), '-l', language, '-oj', '-of', outBase, '-pp'];
    let lastPercent = -1;
    // whisper-cli prints its usage (60+ lines) after some errors, which would push the error out of the tail:
    // error-looking lines are collected separately, from the whole output.
    const notable: string[] = [];
    const result = await runProcess(cli, args, {
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      onStart: options.onStart,
      tailLines: 30,
      onStderrLine: (line) => {
        if (NOTABLE.test(line) && notable.length < 12) notable.push(line.trim());
        const match = PROGRESS.exec(line);
        if (!match || !options.onProgress) return;
        // whisper.cpp counts temperature fallbacks on top of 100 % (it printed 272 % on a test run): clamp.
        const percent = Math.min(100, Number(match[1]));
        if (percent > lastPercent) {
          lastPercent = percent;
          options.onProgress(percent);
        }
      },
    }).catch((error: unknown) => {
      if (error instanceof SpawnError) {
        throw new WhisperError('cli-missing', `Could not start whisper-cli at ${cli} (${error.code ?? error.message})`, [OWN_WHISPER_CLI, doFix(`delete the build folder ${path.dirname(cli)} to rebuild it`)]);
      }
      throw error;
    });

    const stderr = notable.length > 0 ? notable : result.stderrTail;
    if (result.aborted) throw abortError(what);
    if (result.timedOut) {
      throw new WhisperError(
        'timeout',
        `whisper-cli took longer than ${formatSeconds(options.timeoutMs ?? 0)} on ${wav} and was stopped`,
        [doFix('use a smaller model (e.g. base.en), more threads, or a longer timeout')],
        formatTail(stderr, 8),
      );
    }
    if (result.signal === 'SIGILL') {
      throw new WhisperError('transcribe-failed', 'whisper-cli crashed with an illegal instruction: it was built for a different CPU', [
        doFix(`delete ${path.dirname(cli)} so it is rebuilt on this machine`),
        OWN_WHISPER_CLI,
      ]);
    }
    if (result.code !== 0) {
      throw new WhisperError('transcribe-failed', `${failurePrefix(stderr, model, wav, language)} (whisper-cli ${result.code === null ? `was killed by ${result.signal}` : `exited with code ${result.code}`})`, [], formatTail(stderr));
    }

    let json: string;
    try {
      json = await readFile(`${outBase}.json`, 'utf8');
    } catch {
      // whisper-cli exits 0 without output for an unknown language or an unreadable input file.
      throw new WhisperError('transcribe-failed', `${failurePrefix(stderr, model, wav, language)} (whisper-cli wrote no result)`, [], formatTail(stderr));
    }
    try {
      return parseWhisperJson(json);
    } catch (error) {
      throw new WhisperError('transcribe-failed', `Could not read whisper-cli's result for ${wav} (${(error as Error).message})`, [
        doFix(`the whisper-cli at ${cli} may be from an incompatible whisper.cpp version`),
      ]);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** The most specific explanation whisper-cli's stderr allows, naming the thing and the fix. */
function failurePrefix(stderr: readonly string[], model: string, wav: string, language: string): string {
  const text = stderr.join('\n');
  if (/unknown language/i.test(text)) {
    return `Whisper does not know the language "${language}" — use 'auto' or a code such as en, de, fr, es, ja`;
  }
  if (/failed to (initialize whisper context|load model)|invalid model|bad magic/i.test(text)) {
    return `whisper-cli could not load the model ${model} — the file is damaged or not a ggml whisper model; download it again`;
  }
  if (/failed to read (audio|the frames)|failed to read audio/i.test(text)) {
    return `whisper-cli could not read ${wav} — it must be a 16 kHz mono 16-bit PCM WAV (convert with ffmpeg -ar 16000 -ac 1 -c:a pcm_s16le)`;
  }
  return `whisper-cli failed to transcribe ${wav}`;
}

async function mustBeFile(file: string, code: 'cli-missing' | 'model-missing' | 'transcribe-failed', message: string, ...fixes: Fix[]): Promise<void> {
  try {
    if ((await stat(file)).isFile()) {
      await access(file, fsConstants.R_OK);
      return;
    }
  } catch {
    // fall through to the error
  }
  throw new WhisperError(code, message, fixes);
}

import os from 'node:os';
import path from 'node:path';
import { ensureWhisperCli } from '../../src/processors/whisper/build';
import { whisperSource } from '../../src/processors/whisper/source';
import { FIXTURES } from './paths';

/*
 * The whisper-cli the tests use. Building it takes minutes, so it is built once into a cache folder OUTSIDE the
 * checkout (CI can keep that folder between runs) and reused by every later run and test file:
 *   $MEDIA_SUMMARIZER_TEST_CACHE (default ~/.cache/media-summarizer-test)/whisper/build-<nodejs-whisper version>
 * MEDIA_SUMMARIZER_WHISPER_CLI=/path/to/whisper-cli skips the build and uses that binary instead.
 */

export const WHISPER_FIXTURES = path.join(FIXTURES, 'whisper');
export const TEST_MODEL = path.join(WHISPER_FIXTURES, 'for-tests-ggml-tiny.en.bin');
export const JFK_WAV = path.join(WHISPER_FIXTURES, 'jfk.wav');

export function testCacheDir(): string {
  return process.env.MEDIA_SUMMARIZER_TEST_CACHE ?? path.join(os.homedir(), '.cache', 'media-summarizer-test');
}

export function testWhisperBuildDir(): string {
  return path.join(testCacheDir(), 'whisper', `build-${whisperSource().version}`);
}

/** A real model (e.g. ggml-base.en.bin) to assert real words with; the fixture test model produces none. */
export function realWhisperModel(): string | undefined {
  return process.env.MEDIA_SUMMARIZER_WHISPER_MODEL || undefined;
}

let pending: Promise<{ cli: string; buildMs?: number }> | undefined;

/** Builds (first run only, logging progress to stderr) or reuses the test whisper-cli. */
export function testWhisperCli(): Promise<{ cli: string; buildMs?: number }> {
  pending ??= (async () => {
    const explicit = process.env.MEDIA_SUMMARIZER_WHISPER_CLI;
    const started = Date.now();
    let built = false;
    let last = '';
    const cli = await ensureWhisperCli({
      cliPath: explicit || undefined,
      buildDir: testWhisperBuildDir(),
      onProgress: (progress) => {
        built = true;
        // One line per 10 % so a first (slow) run shows it is alive without flooding the test output.
        const bucket = progress.percent === undefined ? progress.phase : `${progress.phase} ${Math.floor(progress.percent / 10) * 10}%`;
        if (bucket !== last) {
          last = bucket;
          process.stderr.write(`[whisper-cli build] ${bucket} (${testWhisperBuildDir()})\n`);
        }
      },
    });
    return { cli, ...(built ? { buildMs: Date.now() - started } : {}) };
  })();
  return pending;
}

/*
 * Run as a child process (`node --import tsx test/support/whisperBuild.ts '<json options>'`) by the locking tests:
 * calls ensureWhisperCli in a separate process and prints one JSON line per progress event, then the result.
 */
if (require.main === module) {
  const options = JSON.parse(process.argv[2] ?? '{}') as { buildDir: string; sourceDir?: string; lockStaleMs?: number };
  const print = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
  const started = Date.now();
  ensureWhisperCli({ ...options, onProgress: (progress) => print({ event: 'progress', ...progress }) }).then(
    (cli) => print({ event: 'done', cli, ms: Date.now() - started }),
    (error: Error) => {
      print({ event: 'error', message: error.message });
      process.exitCode = 1;
    },
  );
}

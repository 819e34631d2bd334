import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants as fsConstants, existsSync } from 'node:fs';
import { access, chmod, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { completedBuild, ensureWhisperCli } from '../../src/processors/whisper/build';
import { parseBuildPercent } from '../../src/processors/whisper/buildProgress';
import { WHISPER_CMAKE_FLAGS } from '../../src/processors/whisper/cmakeBuild';
import { WhisperError } from '../../src/processors/whisper/errors';
import { runProcess } from '../../src/processors/whisper/exec';
import { WHISPER_MODEL_NAMES, downloadWhisperModel, resolveWhisperModel, whisperModelUrl } from '../../src/processors/whisper/models';
import { escapeControlCharsInStrings, parseWhisperJson } from '../../src/processors/whisper/output';
import { cliWording } from '../../src/cli/wording';
import { findBuildTools } from '../../src/processors/whisper/tools';
import { threadsPerTranscription, transcribe } from '../../src/processors/whisper/transcribe';
import { PROJECT_ROOT, fixturesMissing, tempDir } from '../support/paths';
import { JFK_WAV, TEST_MODEL, WHISPER_FIXTURES, realWhisperModel, testWhisperBuildDir, testWhisperCli } from '../support/whisperBuild';
import { closedPortUrl, isAlive } from '../support/processes';

/*
 * whisper.cpp speech to text, end to end with a real whisper-cli built from nodejs-whisper's sources (built once
 * into ~/.cache/media-summarizer-test or $MEDIA_SUMMARIZER_TEST_CACHE, outside the checkout, and reused) and the
 * real fixtures in ../shared/fixtures/whisper. The fixture model is whisper.cpp's test model: it runs the whole
 * pipeline but its text is meaningless, so no words are asserted unless MEDIA_SUMMARIZER_WHISPER_MODEL names a
 * real model.
 */

const BUILD_CHILD = path.join(PROJECT_ROOT, 'test', 'support', 'whisperBuild.ts');

/** A temp folder removed when the test ends, pass or fail. */
async function scratch(t: TestContext, prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}


function whisperError(code: string, pattern: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof WhisperError, `expected a WhisperError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(cliWording(error.problem), pattern, 'as the CLI words it');
    return true;
  };
}

/** Why the real whisper-cli cannot be had on this machine (no cached build and no cmake/compiler), or false. */
async function cliUnavailable(): Promise<string | false> {
  if (process.env.MEDIA_SUMMARIZER_WHISPER_CLI || (await completedBuild(testWhisperBuildDir()))) return false;
  try {
    await findBuildTools();
    return false;
  } catch (error) {
    return `cannot build whisper-cli here — skipped: ${(error as Error).message}`;
  }
}

async function whisperSetup(t: { skip(message: string): void }, needFixtures = true): Promise<string | undefined> {
  const missing = needFixtures ? fixturesMissing(WHISPER_FIXTURES) : false;
  const unavailable = missing || (await cliUnavailable());
  if (unavailable) {
    t.skip(unavailable);
    return undefined;
  }
  return (await testWhisperCli()).cli;
}

/** A 16 kHz mono 16-bit PCM WAV of `seconds` of silence. */
async function writeSilenceWav(file: string, seconds: number): Promise<void> {
  const dataBytes = 16_000 * 2 * seconds;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(16_000, 24); // sample rate
  header.writeUInt32LE(16_000 * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  await writeFile(file, Buffer.concat([header, Buffer.alloc(dataBytes)]));
}

// ---------------------------------------------------------------------------------------------------------------
// Building whisper-cli

test('builds whisper-cli from nodejs-whisper\'s sources once (or reuses the cached build) and it runs', async (t) => {
  const cli = await whisperSetup(t, false);
  if (!cli) return;
  const { buildMs } = await testWhisperCli();
  if (buildMs !== undefined) t.diagnostic(`whisper-cli built in ${(buildMs / 1000).toFixed(1)} s into ${testWhisperBuildDir()}`);
  await access(cli, fsConstants.X_OK);
  const version = await runProcess(cli, ['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdoutTail.join('\n'), /whisper\.cpp version: \d+\.\d+/);
  if (!process.env.MEDIA_SUMMARIZER_WHISPER_CLI) {
    assert.equal(cli, path.join(testWhisperBuildDir(), 'whisper-cli'));
    const info = JSON.parse(await readFile(path.join(testWhisperBuildDir(), 'build-info.json'), 'utf8')) as { flags: string[]; buildMs: number };
    assert.deepEqual(info.flags, [...WHISPER_CMAKE_FLAGS]);
    t.diagnostic(`cached build took ${(info.buildMs / 1000).toFixed(1)} s when it was made`);
    // Only the binary and its build info are kept, no CMake tree; a second call is an instant reuse.
    assert.deepEqual((await readdir(testWhisperBuildDir())).sort(), ['build-info.json', 'whisper-cli']);
    const started = Date.now();
    assert.equal(await ensureWhisperCli({ buildDir: testWhisperBuildDir() }), cli);
    assert.ok(Date.now() - started < 1_000);
  }
});

/** A tiny CMake project with a `whisper-cli` target whose build takes `sleepSeconds`: real cmake, cheap build. */
async function fakeWhisperSource(t: TestContext, sleepSeconds: number): Promise<string> {
  const dir = await scratch(t, 'fake-whisper-src');
  await writeFile(
    path.join(dir, 'CMakeLists.txt'),
    [
      'cmake_minimum_required(VERSION 3.10)',
      'project(fake_whisper CXX)',
      `add_custom_target(slow_step COMMAND \${CMAKE_COMMAND} -E sleep ${sleepSeconds})`,
      'add_executable(whisper-cli main.cpp)',
      'add_dependencies(whisper-cli slow_step)',
      'set_target_properties(whisper-cli PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(dir, 'main.cpp'), '#include <cstdio>\nint main() { std::puts("whisper.cpp version: fake"); return 0; }\n');
  return dir;
}

interface ChildEvent {
  event: 'progress' | 'done' | 'error';
  phase?: string;
  cli?: string;
  message?: string;
}

function startBuildChild(options: { buildDir: string; sourceDir: string; lockStaleMs?: number }) {
  const child = spawn(process.execPath, ['--import', 'tsx', BUILD_CHILD, JSON.stringify(options)], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: ChildEvent[] = [];
  let buffer = '';
  let stderr = '';
  const listeners: Array<() => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as ChildEvent);
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'close').then(() => ({ events, stderr }));
  const waitFor = (predicate: (event: ChildEvent) => boolean) =>
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (events.some(predicate)) resolve();
      };
      listeners.push(check);
      check();
    });
  return { child, events, exited, waitFor };
}

test('two processes ensuring whisper-cli at once on an empty build dir: one builds, the other waits and reuses it', async (t) => {
  try {
    await findBuildTools();
  } catch (error) {
    t.skip(`no cmake/compiler — skipped: ${(error as Error).message}`);
    return;
  }
  const root = await scratch(t, 'whisper-lock');
  const buildDir = path.join(root, 'whisper', 'build-test');
  const sourceDir = await fakeWhisperSource(t, 4);
  const a = startBuildChild({ buildDir, sourceDir });
  const b = startBuildChild({ buildDir, sourceDir });
  const [ra, rb] = await Promise.all([a.exited, b.exited]);
  const results = [ra, rb];
  for (const r of results) assert.ok(r.events.some((e) => e.event === 'done'), `a child failed: ${JSON.stringify(r.events)} ${r.stderr}`);
  const builders = results.filter((r) => r.events.some((e) => e.phase === 'configuring'));
  const waiters = results.filter((r) => r.events.some((e) => e.phase === 'waiting'));
  assert.equal(builders.length, 1, 'exactly one process built');
  assert.equal(waiters.length, 1, 'the other process waited for it');
  assert.ok(!waiters[0].events.some((e) => e.phase === 'configuring'), 'the waiter did not build after all');
  const clis = results.map((r) => r.events.find((e) => e.event === 'done')!.cli);
  assert.equal(clis[0], clis[1]);
  assert.equal(clis[0], path.join(buildDir, 'whisper-cli'));
  const version = await runProcess(clis[0], ['--version']);
  assert.match(version.stdoutTail.join(''), /fake/);
  // No half-built leftovers, and the lock is released.
  assert.deepEqual(await readdir(path.dirname(buildDir)), ['build-test']);
});

test('a build holder killed mid-build neither blocks the next builder for long nor leaves a build that looks finished', async (t) => {
  try {
    await findBuildTools();
  } catch (error) {
    t.skip(`no cmake/compiler — skipped: ${(error as Error).message}`);
    return;
  }
  const root = await scratch(t, 'whisper-killed');
  const buildDir = path.join(root, 'build-test');
  const sourceDir = await fakeWhisperSource(t, 6);
  const holder = startBuildChild({ buildDir, sourceDir, lockStaleMs: 2_000 });
  await holder.waitFor((e) => e.phase === 'building');
  holder.child.kill('SIGKILL');
  await holder.exited;
  assert.equal(existsSync(buildDir), false, 'the killed build left nothing under the final name');
  assert.ok((await readdir(root)).some((name) => name.includes('.work-')), 'its half-built work folder is there');

  const started = Date.now();
  const phases: string[] = [];
  const cli = await ensureWhisperCli({ buildDir, sourceDir, lockStaleMs: 2_000, onProgress: (p) => phases.push(p.phase) });
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`took over the abandoned lock and rebuilt in ${seconds.toFixed(1)} s`);
  assert.ok(seconds < 90, `took ${seconds} s`);
  assert.ok(phases.includes('configuring'));
  assert.equal(cli, path.join(buildDir, 'whisper-cli'));
  assert.deepEqual(await readdir(root), ['build-test'], 'leftovers of the killed build were removed');
});

test('cancelling a build stops cmake and its compiler processes and leaves no build', async (t) => {
  try {
    await findBuildTools();
  } catch (error) {
    t.skip(`no cmake/compiler — skipped: ${(error as Error).message}`);
    return;
  }
  const root = await scratch(t, 'whisper-cancel-build');
  const buildDir = path.join(root, 'build-test');
  const sourceDir = await fakeWhisperSource(t, 30);
  const controller = new AbortController();
  const pending = ensureWhisperCli({
    buildDir,
    sourceDir,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'building') setTimeout(() => controller.abort(), 300);
    },
  });
  const started = Date.now();
  await assert.rejects(pending, { name: 'AbortError' });
  assert.ok(Date.now() - started < 30_000);
  assert.deepEqual(await readdir(root), [], 'no build, no work folder, no lock');
});

test('build: false uses a finished build only: with none, a not-built error with the way to build it, and nothing started', async (t) => {
  const root = await scratch(t, 'whisper-no-build');
  const buildDir = path.join(root, 'build-test');
  await assert.rejects(ensureWhisperCli({ buildDir, build: false }), whisperError('not-built', /whisper-cli is not built yet \(its one-time build was cancelled\) — build it with "Media Summarizer: Build whisper-cli", or pass an existing whisper-cli with `--whisper-cli PATH`/));
  assert.deepEqual(await readdir(root), [], 'no build, no work folder, no lock');
});

test('without cmake on PATH the error says exactly what to install, or to pass --whisper-cli', async (t) => {
  const emptyBin = await scratch(t, 'no-tools');
  const buildDir = path.join(emptyBin, 'build');
  await assert.rejects(
    ensureWhisperCli({ buildDir, env: { PATH: emptyBin } }),
    whisperError('tools-missing', /but cmake, a C\+\+ compiler \(c\+\+, g\+\+ or clang\+\+\), a C compiler \(cc, gcc or clang\) and make \(or ninja\) were not found on PATH/),
  );
  if (process.platform === 'linux') {
    await assert.rejects(ensureWhisperCli({ buildDir, env: { PATH: emptyBin } }), whisperError('tools-missing', /sudo apt-get install cmake g\+\+ make`.*`--whisper-cli PATH`/));
  }
  await assert.rejects(findBuildTools({ env: { PATH: emptyBin }, platform: 'darwin' }), whisperError('tools-missing', /`xcode-select --install` and `brew install cmake`, or pass an existing whisper-cli with `--whisper-cli PATH`/));
  await assert.rejects(findBuildTools({ env: { PATH: emptyBin }, platform: 'win32' }), whisperError('tools-missing', /cmake was not found on PATH — install Visual Studio Build Tools .* and CMake/));
  assert.equal(existsSync(buildDir), false);
});

test('an explicit whisper-cli path is validated: missing, a folder, not executable', async (t) => {
  const dir = await scratch(t, 'explicit-cli');
  const missing = path.join(dir, 'nope', 'whisper-cli');
  await assert.rejects(ensureWhisperCli({ cliPath: missing }), whisperError('cli-missing', new RegExp(`whisper-cli not found at ${escape(missing)} — pass an existing whisper-cli with \`--whisper-cli PATH\``)));
  await assert.rejects(ensureWhisperCli({ cliPath: dir }), whisperError('cli-missing', /is not a file/));
  const notExecutable = path.join(dir, 'whisper-cli');
  await writeFile(notExecutable, '#!/bin/sh\n');
  await chmod(notExecutable, 0o644);
  if (process.platform !== 'win32' && process.getuid?.() !== 0) {
    await assert.rejects(ensureWhisperCli({ cliPath: notExecutable }), whisperError('cli-missing', /is not executable — run `chmod \+x/));
  }
  await chmod(notExecutable, 0o755);
  assert.equal(await ensureWhisperCli({ cliPath: notExecutable, buildDir: path.join(dir, 'unused') }), notExecutable);
  assert.equal(existsSync(path.join(dir, 'unused')), false, 'an explicit path never builds');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('build progress is read from Makefile and Ninja output', () => {
  assert.equal(parseBuildPercent('[ 37%] Building CXX object src/CMakeFiles/whisper.dir/whisper.cpp.o'), 37);
  assert.equal(parseBuildPercent('[100%] Built target whisper-cli'), 100);
  assert.equal(parseBuildPercent('[12/80] Building C object ggml/src/ggml.c.o'), 15);
  assert.equal(parseBuildPercent('-- Configuring done'), undefined);
});

// ---------------------------------------------------------------------------------------------------------------
// Transcription

test('transcribes jfk.wav with the test model: whisper-cli runs, its JSON is parsed into text and segments', async (t) => {
  const cli = await whisperSetup(t);
  if (!cli) return;
  const threads = threadsPerTranscription(1);
  const progress: number[] = [];
  const started = Date.now();
  const tempParent = await scratch(t, 'whisper-jfk-tmp');
  let outputFolderMode: Promise<number> | undefined;
  const result = await transcribe({
    cliPath: cli,
    modelPath: TEST_MODEL,
    wavPath: JFK_WAV,
    language: 'en',
    threads,
    timeoutMs: 120_000,
    onProgress: (p) => progress.push(p),
    tempDir: tempParent,
    // While whisper-cli runs, its output folder exists and is private.
    onStart: () => {
      outputFolderMode = readdir(tempParent).then(async ([name]) => (await stat(path.join(tempParent, name))).mode & 0o777);
    },
  });
  t.diagnostic(`jfk.wav (11 s) with the test model and ${threads} threads: ${Date.now() - started} ms`);
  assert.equal(typeof result.text, 'string');
  assert.ok(Array.isArray(result.segments));
  for (const segment of result.segments) {
    assert.equal(typeof segment.text, 'string');
    assert.ok(segment.startMs >= 0 && segment.endMs >= segment.startMs);
  }
  assert.equal(result.language, 'en');
  assert.ok(progress.every((p) => p >= 0 && p <= 100));
  if (process.platform !== 'win32') assert.equal(await outputFolderMode, 0o700);
  assert.deepEqual(await readdir(tempParent), [], 'the private output folder was removed');
});

test('with a real model (MEDIA_SUMMARIZER_WHISPER_MODEL) the JFK transcript has the famous words', async (t) => {
  const model = realWhisperModel();
  if (!model) {
    t.skip('set MEDIA_SUMMARIZER_WHISPER_MODEL=/path/to/ggml-base.en.bin to check real words — skipped');
    return;
  }
  const cli = await whisperSetup(t);
  if (!cli) return;
  const result = await transcribe({ cliPath: cli, modelPath: model, wavPath: JFK_WAV, language: 'auto', threads: threadsPerTranscription(1), timeoutMs: 600_000 });
  assert.match(result.text.toLowerCase(), /ask not what your country can do for you/);
  assert.ok(result.segments.length > 0);
});

test('cancelling kills whisper-cli within a second (10 minutes of audio, abort after 300 ms)', async (t) => {
  const cli = await whisperSetup(t);
  if (!cli) return;
  const dir = await scratch(t, 'whisper-cancel');
  const wav = path.join(dir, 'long.wav');
  await writeSilenceWav(wav, 600);
  const controller = new AbortController();
  let pid: number | undefined;
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = Date.now();
    controller.abort();
  }, 300);
  const pending = transcribe({ cliPath: cli, modelPath: TEST_MODEL, wavPath: wav, signal: controller.signal, onStart: (p) => (pid = p) });
  await assert.rejects(pending, { name: 'AbortError', message: 'Transcription cancelled.' });
  const stopMs = Date.now() - abortedAt;
  assert.ok(abortedAt > 0 && pid !== undefined, 'whisper-cli was running when the abort came');
  // transcribe() settles only after the process has exited and been reaped.
  assert.equal(isAlive(pid), false, 'whisper-cli is gone');
  assert.ok(stopMs < 1_000, `stopped ${stopMs} ms after the abort`);
  t.diagnostic(`whisper-cli stopped ${stopMs} ms after the abort`);
});

test('a transcription over its timeout is killed and reported as a timeout', async (t) => {
  const cli = await whisperSetup(t);
  if (!cli) return;
  const dir = await scratch(t, 'whisper-timeout');
  const wav = path.join(dir, 'long.wav');
  await writeSilenceWav(wav, 600);
  const started = Date.now();
  let pid: number | undefined;
  await assert.rejects(
    transcribe({ cliPath: cli, modelPath: TEST_MODEL, wavPath: wav, timeoutMs: 500, onStart: (p) => (pid = p) }),
    whisperError('timeout', /whisper-cli took longer than 0\.5 s on .*long\.wav and was stopped — use a smaller model/),
  );
  assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
  assert.equal(isAlive(pid!), false);
});

test('missing or broken inputs give errors that name the file and the fix', async (t) => {
  const cli = await whisperSetup(t);
  if (!cli) return;
  const dir = await scratch(t, 'whisper-errors');
  // whisper-cli's private output folders go here, so the test can see that failed runs remove them.
  const tempParent = await scratch(t, 'whisper-errors-tmp');
  const missingModel = path.join(dir, 'ggml-nope.bin');
  await assert.rejects(
    transcribe({ cliPath: cli, modelPath: missingModel, wavPath: JFK_WAV }),
    whisperError('model-missing', new RegExp(`Whisper model file not found: ${escape(missingModel)} — run \`media-summarizer --download-whisper-model`)),
  );
  const missingCli = path.join(dir, 'whisper-cli');
  await assert.rejects(transcribe({ cliPath: missingCli, modelPath: TEST_MODEL, wavPath: JFK_WAV }), whisperError('cli-missing', /whisper-cli not found at .* `--whisper-cli PATH`/));
  await assert.rejects(
    transcribe({ cliPath: cli, modelPath: TEST_MODEL, wavPath: path.join(dir, 'gone.wav') }),
    whisperError('transcribe-failed', /Audio file to transcribe not found: .*gone\.wav/),
  );

  const badModel = path.join(dir, 'bad.bin');
  await writeFile(badModel, Buffer.alloc(4096, 7));
  await assert.rejects(
    transcribe({ cliPath: cli, modelPath: badModel, wavPath: JFK_WAV, tempDir: tempParent }),
    whisperError('transcribe-failed', /could not load the model .*bad\.bin — the file is damaged or not a ggml whisper model[\s\S]*bad magic/),
  );
  const notAudio = path.join(dir, 'not-audio.wav');
  await writeFile(notAudio, 'this is not a wav file at all');
  await assert.rejects(
    transcribe({ cliPath: cli, modelPath: TEST_MODEL, wavPath: notAudio, tempDir: tempParent }),
    whisperError('transcribe-failed', /could not read .*not-audio\.wav — it must be a 16 kHz mono 16-bit PCM WAV/),
  );
  await assert.rejects(
    transcribe({ cliPath: cli, modelPath: TEST_MODEL, wavPath: JFK_WAV, language: 'xx', tempDir: tempParent }),
    whisperError('transcribe-failed', /Whisper does not know the language "xx" — use 'auto'/),
  );
  assert.deepEqual(await readdir(tempParent), [], 'failed runs removed their output folders');
});

test('a short silent WAV transcribes to empty text, not an error', async (t) => {
  const cli = await whisperSetup(t);
  if (!cli) return;
  const dir = await scratch(t, 'whisper-silence');
  const wav = path.join(dir, 'silence.wav');
  await writeSilenceWav(wav, 2);
  const result = await transcribe({ cliPath: cli, modelPath: TEST_MODEL, wavPath: wav, threads: 1, timeoutMs: 120_000 });
  assert.equal(result.text, '');
});

test('whisper-cli JSON parsing: segments, language, non-speech markers, raw control characters', () => {
  const json = `{
\t"result": {
\t\t"language": "en"
\t},
\t"transcription": [
\t\t{ "timestamps": { "from": "00:00:00,000", "to": "00:00:02,000" }, "offsets": { "from": 0, "to": 2000 }, "text": " [BLANK_AUDIO]" },
\t\t{ "offsets": { "from": 2000, "to": 5500 }, "text": " And so, my fellow \\"Americans\\"\t tab" },
\t\t{ "offsets": { "from": 5500, "to": 9000 }, "text": " ask not\\\\ what" }
\t]
}`;
  const result = parseWhisperJson(json);
  assert.equal(result.language, 'en');
  assert.deepEqual(result.segments, [
    { startMs: 2000, endMs: 5500, text: 'And so, my fellow "Americans"\t tab' },
    { startMs: 5500, endMs: 9000, text: 'ask not\\ what' },
  ]);
  assert.equal(result.text, 'And so, my fellow "Americans"\t tab ask not\\ what');
  assert.equal(escapeControlCharsInStrings('{"a":"x\ny"}\n'), '{"a":"x\\u000ay"}\n');
  assert.deepEqual(parseWhisperJson('{"result":{"language":"en"},"transcription":[]}'), { text: '', segments: [], language: 'en' });
  assert.throws(() => parseWhisperJson('{"nothing":1}'), /no "transcription" array/);
});

test('threadsPerTranscription shares the cores between concurrent transcriptions', () => {
  assert.equal(threadsPerTranscription(1, 8), 8);
  assert.equal(threadsPerTranscription(3, 8), 2);
  assert.equal(threadsPerTranscription(8, 8), 1);
  assert.equal(threadsPerTranscription(16, 8), 1);
  assert.equal(threadsPerTranscription(0, 2), 2);
  assert.ok(threadsPerTranscription(1) >= 1);
});

// ---------------------------------------------------------------------------------------------------------------
// Models

test('resolveWhisperModel: a path is used as is, a name maps into the models folder, errors say how to get it', async (t) => {
  const dir = await scratch(t, 'whisper-models');
  await assert.rejects(
    resolveWhisperModel('base.en', dir),
    whisperError('model-missing', new RegExp(`Whisper model base\\.en is not downloaded yet \\(${escape(path.join(dir, 'ggml-base.en.bin'))} is missing\\) — run \`media-summarizer --download-whisper-model base\\.en\``)),
  );
  await writeFile(path.join(dir, 'ggml-base.en.bin'), 'x');
  assert.equal(await resolveWhisperModel('base.en', dir), path.join(dir, 'ggml-base.en.bin'));
  assert.equal(await resolveWhisperModel(path.join(dir, 'ggml-base.en.bin'), '/elsewhere'), path.join(dir, 'ggml-base.en.bin'));
  await assert.rejects(resolveWhisperModel(path.join(dir, 'mine.bin'), dir), whisperError('model-missing', /Whisper model file not found: .*mine\.bin — check the path/));
  await assert.rejects(resolveWhisperModel('my-model.bin', dir), whisperError('model-missing', /my-model\.bin/));
  await assert.rejects(resolveWhisperModel('huge', dir), whisperError('model-unknown', /Unknown whisper model "huge" — use one of tiny, tiny\.en, .*base\.en, .*large-v3-turbo/));
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}


/** Something that starts like a ggml model file. */
function fakeModelBody(size: number): Buffer {
  const body = Buffer.alloc(size, 1);
  body.writeUInt32LE(0x67676d6c, 0);
  return body;
}

test('downloadWhisperModel streams to a temp file, reports progress, and renames only when complete', async (t) => {
  const dir = await scratch(t, 'whisper-download');
  const body = fakeModelBody(256 * 1024);
  let releaseRest!: () => void;
  const rest = new Promise<void>((resolve) => (releaseRest = resolve));
  const requested: string[] = [];
  const { server, url } = await listen((req, res) => {
    requested.push(req.url ?? '');
    res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
    res.write(body.subarray(0, body.length / 2));
    void rest.then(() => res.end(body.subarray(body.length / 2)));
  });
  const final = path.join(dir, 'models', 'ggml-tiny.en.bin');
  const progress: Array<{ bytes: number; total?: number }> = [];
  let checkedMidway = false;
  const file = await downloadWhisperModel(
    'tiny.en',
    path.join(dir, 'models'),
    (p) => {
      progress.push(p);
      if (!checkedMidway && p.bytes >= body.length / 2) {
        checkedMidway = true;
        // Half the body is on disk: it must be under a temp name, never under the final one.
        void readdir(path.join(dir, 'models')).then((names) => {
          assert.equal(existsSync(final), false, 'no partial file under the final name');
          assert.equal(names.length, 1);
          assert.match(names[0], /^\.ggml-tiny\.en\.bin\..*\.part$/);
          releaseRest();
        });
      }
    },
    undefined,
    { baseUrl: `${url}/mirror/` },
  );
  server.close();
  assert.ok(checkedMidway);
  assert.equal(file, final);
  assert.deepEqual(requested, ['/mirror/ggml-tiny.en.bin']);
  assert.deepEqual(await readFile(final), body);
  assert.deepEqual(await readdir(path.join(dir, 'models')), ['ggml-tiny.en.bin'], 'no temp file left');
  assert.deepEqual(progress[0], { bytes: 0, total: body.length });
  assert.deepEqual(progress.at(-1), { bytes: body.length, total: body.length });
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].bytes >= progress[i - 1].bytes);
  // Already there: returned without a request.
  assert.equal(await downloadWhisperModel('tiny.en', path.join(dir, 'models'), undefined, undefined, { baseUrl: 'http://127.0.0.1:1' }), final);
});

test('downloadWhisperModel to an unreachable host fails with a clear message and leaves no file', async (t) => {
  const dir = await scratch(t, 'whisper-download-fail');
  const base = await closedPortUrl();
  const target = path.join(dir, 'ggml-base.en.bin');
  await assert.rejects(
    downloadWhisperModel('base.en', dir, undefined, undefined, { baseUrl: base }),
    whisperError(
      'download-failed',
      new RegExp(
        `^Could not download whisper model base\\.en from ${escape(base)}/ggml-base\\.en\\.bin \\(.*ECONNREFUSED.*\\) — ` +
          `check the internet connection or download the file by hand to ${escape(target)}$`,
      ),
    ),
  );
  assert.deepEqual(await readdir(dir), []);
  // The default URL is Hugging Face's; unreachable from this sandbox, but the message must name it either way.
});

test('downloadWhisperModel: HTTP 404, a non-model body, a cut connection and cancellation are clear errors with no file left', async (t) => {
  const dir = await scratch(t, 'whisper-download-http');
  const { server, url } = await listen((req, res) => {
    if (req.url?.endsWith('ggml-base.bin')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Entry not found');
    } else if (req.url?.endsWith('ggml-small.bin')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>');
    } else if (req.url?.endsWith('ggml-medium.bin')) {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(fakeModelBody(1000));
      setTimeout(() => res.destroy(), 50);
    } else {
      res.writeHead(200, { 'content-length': '100000000' });
      res.write(fakeModelBody(1000)); // then nothing: the client cancels
    }
  });
  await assert.rejects(
    downloadWhisperModel('base', dir, undefined, undefined, { baseUrl: url }),
    whisperError('download-failed', new RegExp(`^Could not download whisper model base from ${escape(url)}/ggml-base\\.bin \\(HTTP 404 Not Found\\) — check the internet connection or download the file by hand to .*ggml-base\\.bin$`)),
  );
  await assert.rejects(downloadWhisperModel('small', dir, undefined, undefined, { baseUrl: url }), whisperError('download-failed', /\(the server sent 27 bytes that are not a ggml model file\)/));
  await assert.rejects(downloadWhisperModel('medium', dir, undefined, undefined, { baseUrl: url }), whisperError('download-failed', /Could not download whisper model medium from .* \(.+\)/));
  const controller = new AbortController();
  await assert.rejects(
    downloadWhisperModel('large-v3', dir, (p) => p.bytes > 0 && controller.abort(), controller.signal, { baseUrl: url }),
    { name: 'AbortError', message: 'Download of whisper model large-v3 cancelled.' },
  );
  await assert.rejects(
    downloadWhisperModel('tiny', dir, undefined, undefined, { baseUrl: url, stallTimeoutMs: 300 }),
    whisperError('download-failed', /\(no data received for 0\.3 s\)/),
  );
  await assert.rejects(downloadWhisperModel('enormous', dir), whisperError('model-unknown', new RegExp(WHISPER_MODEL_NAMES.map(escape).join(', '))));
  server.closeAllConnections();
  server.close();
  assert.deepEqual(await readdir(dir), [], 'no partial or temp files');
});

test('model names map to whisper.cpp\'s Hugging Face URLs', () => {
  assert.equal(whisperModelUrl('base.en'), 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin');
  assert.equal(whisperModelUrl('large-v3-turbo', 'http://mirror.local/models/'), 'http://mirror.local/models/ggml-large-v3-turbo.bin');
  for (const name of ['tiny', 'tiny.en', 'base', 'base.en', 'small', 'small.en', 'medium', 'medium.en', 'large-v1', 'large-v3-turbo']) {
    assert.ok((WHISPER_MODEL_NAMES as readonly string[]).includes(name), name);
  }
});

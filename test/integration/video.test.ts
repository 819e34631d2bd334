import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Job } from '../../src/core/job';
import { processAudioVisual } from '../../src/processors/audioVisual';
import { findOnPath, resolveFfmpeg } from '../../src/processors/media/ffmpeg';
import { frameTimes } from '../../src/processors/media/extract';
import { resolveWhisperModel } from '../../src/processors/whisper/models';
import { collapseFrameTexts } from '../../src/processors/media/frameText';
import { formatLabel, parseProbe } from '../../src/processors/media/probe';
import { convertAudio, makeSilentVideo, makeSlideVideo } from '../support/makeMedia';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { tempDir } from '../support/paths';
import { closeSharedOcrEngine, recordingContext } from '../support/processorContext';
import { JFK_WAV, TEST_MODEL, testWhisperCli } from '../support/whisperBuild';

const noFfmpeg = (): string | false => (findOnPathSync() ? false : 'ffmpeg is not installed (Debian: apt-get install ffmpeg) — skipped');
const noWhisperFixtures = existsSync(TEST_MODEL) ? false : `whisper fixtures not found at ${TEST_MODEL} — skipped`;
function findOnPathSync(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => existsSync(path.join(dir, 'ffmpeg')));
}

let ffmpeg: string;
let ollama: OllamaStandIn;
let dir: string;
before(async () => {
  ollama = await startOllamaStandIn();
  dir = await tempDir('video');
  if (!noFfmpeg()) ffmpeg = await resolveFfmpeg();
});
after(async () => {
  await ollama?.close();
  await closeSharedOcrEngine();
});

let id = 0;
const job = (file: string, kind: 'video' | 'audio' = 'video'): Job => ({ id: id++, path: file, kind, sha256: 'test', size: 0, mtimeMs: 0, cached: {} });
const llm = () => ({ host: ollama.url, available: true, model: 'llama3.2:3b' });

test('frame times: every N seconds up to the cap, spread over long videos so late text is seen', () => {
  assert.deepEqual(frameTimes(12, 5, 20), [0.5, 5.5, 10.5]);
  const long = frameTimes(7200, 5, 20);
  assert.equal(long.length, 20);
  assert.ok(long.at(-1)! > 6800, `last frame at ${long.at(-1)} s of 7200`);
  assert.deepEqual(frameTimes(0, 5, 20), [0]);
});

test('repeated on-screen text across frames is collapsed, new lines keep their time', () => {
  const text = collapseFrameTexts([
    { seconds: 0.5, text: 'Quarterly review\nRevenue up 12%' },
    { seconds: 5.5, text: 'Quarterly review\nRevenue up 12%' },
    { seconds: 10.5, text: 'Quarterly Review\nAction: hire 3 engineers' },
  ]);
  assert.equal(text, '[0:00] Quarterly review\nRevenue up 12%\n[0:10] Action: hire 3 engineers');
});

test('ffmpeg output is parsed for container, duration and streams', () => {
  const stderr = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/x/input.mp4':\n  Duration: 00:01:02.50, start: 0.000000, bitrate: 113 kb/s\n  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 10 fps\n  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono\nStream mapping:\n  Stream #0:0 -> #0:0 (h264 (native) -> wrapped_avframe (native))\n`;
  const probe = parseProbe(stderr, 'x.mp4');
  assert.deepEqual(probe, { containers: ['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2'], durationSeconds: 62.5, video: { codec: 'h264', width: 1280, height: 720 }, audio: { codec: 'aac' } });
  assert.deepEqual([formatLabel(probe, 'Clip.MP4'), formatLabel(probe, 'memo.m4a'), formatLabel(probe, 'odd.avi')], ['MP4', 'M4A', 'MOV']);
  assert.equal(formatLabel({ containers: ['matroska', 'webm'] }, 'a.mkv'), 'MKV');
  assert.throws(() => parseProbe('garbage', 'x.mp4'), /x\.mp4 is not a readable media file/);
});

test('ffmpeg resolution: an explicit path that does not exist is named; a PATH without ffmpeg says what to install', async () => {
  await assert.rejects(resolveFfmpeg('/nope/ffmpeg'), /ffmpeg not found at \/nope\/ffmpeg \(the configured path\)/);
  assert.equal(await findOnPath('ffmpeg', { PATH: '/nonexistent' }), undefined);
});

test('a screen recording: frames OCR finds early and late text, whisper transcribes the audio, one summary', { skip: noFfmpeg() || noWhisperFixtures, timeout: 15 * 60_000 }, async () => {
  await testWhisperCli(); // builds whisper-cli once (minutes) on a machine that has never built it
  const file = path.join(dir, 'Screen Recording 2024-05-01.mov');
  await makeSlideVideo(ffmpeg, file, [
    { lines: ['Sprint demo ALPHA-123', 'login page redesign'], seconds: 6 },
    { lines: ['Release LATE-789 ships Friday'], seconds: 6 },
  ], JFK_WAV);
  const context = recordingContext(llm());
  const result = await processAudioVisual(job(file), context);
  assert.equal(result.status, 'ok', result.problem?.message);
  assert.match(result.ocrText!, /ALPHA-123/);
  assert.match(result.ocrText!, /LATE-789/, 'text that appears only after 6 s is found');
  assert.equal((result.ocrText!.match(/ALPHA-123/g) ?? []).length, 1, 'the first slide, seen in two frames, is kept once');
  assert.equal(typeof result.transcript, 'string', 'whisper ran and its output was parsed (the test model produces no real words)');
  assert.ok(context.saved.transcript, 'the transcript is saved to the cache');
  assert.ok(context.stages.includes('transcribe') && context.stages.includes('frames'));
  assert.equal(result.metadata.format, 'MOV');
  assert.ok(Math.abs(result.metadata.durationSeconds! - 12) < 0.5, `duration ${result.metadata.durationSeconds}`);
  assert.deepEqual([result.metadata.videoCodec, result.metadata.audioCodec, result.metadata.width], ['h264', 'aac', 960]);
  assert.match(result.summary!, /ALPHA-123|LATE-789/, 'the on-screen text reached the summary prompt');
  const prompt = ollama.stats.prompts.at(-1)!;
  assert.match(prompt, /Duration: 0m 12s, Dimensions: 960x400, Format: MOV/);
  assert.match(prompt, /OCR text:[\s\S]*LATE-789/);
});

test('a video without audio makes no whisper call; frames are still summarized; vision describes frames', { skip: noFfmpeg(), timeout: 120_000 }, async () => {
  const file = path.join(dir, 'silent-slides.mp4');
  await makeSlideVideo(ffmpeg, file, [{ lines: ['Dashboard uptime 99.95%'], seconds: 4 }]);
  const context = recordingContext({ ...llm(), visionModel: 'llava:7b' });
  context.transcribe = async () => assert.fail('no audio stream: whisper must not run');
  const imagesBefore = ollama.stats.imagesReceived;
  const result = await processAudioVisual(job(file), context);
  assert.equal(result.status, 'ok', result.problem?.message);
  assert.equal(result.transcript, undefined);
  assert.match(result.ocrText!, /99\.95%/);
  assert.match(result.visionText!, /\[0:00\] .*image\(s\) seen: 1/);
  assert.equal(ollama.stats.imagesReceived - imagesBefore, 1, 'one frame: one description');
});

test('audio files (mp3, m4a, flac) are transcribed and summarized as kind audio', { skip: noFfmpeg() || noWhisperFixtures, timeout: 10 * 60_000 }, async () => {
  await testWhisperCli();
  for (const ext of ['mp3', 'm4a', 'flac']) {
    const file = path.join(dir, `voice memo.${ext}`);
    await convertAudio(ffmpeg, JFK_WAV, file);
    const context = recordingContext(llm());
    const result = await processAudioVisual(job(file, 'audio'), context);
    assert.equal(result.status, 'ok', `${ext}: ${result.problem?.message}`);
    assert.equal(typeof result.transcript, 'string');
    assert.ok(Math.abs(result.metadata.durationSeconds! - 11) < 0.5, `${ext}: duration ${result.metadata.durationSeconds}`);
    assert.equal(result.ocrText, undefined);
    assert.ok(!context.stages.includes('frames'));
  }
});

test('empty, truncated and corrupt media fail quickly with a clear message naming the file', { skip: noFfmpeg(), timeout: 120_000 }, async () => {
  const good = path.join(dir, 'good.mp4');
  await makeSilentVideo(ffmpeg, good, 3);
  const bytes = await readFile(good);
  const cases: Record<string, Buffer> = {
    'empty.mp4': Buffer.alloc(0),
    'truncated.mp4': bytes.subarray(0, Math.floor(bytes.length / 4)),
    'random.mkv': Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) % 256)),
    'text.wav': Buffer.from('this is not audio'),
  };
  for (const [name, content] of Object.entries(cases)) {
    const file = path.join(dir, name);
    await writeFile(file, content);
    const started = Date.now();
    const outcome = await processAudioVisual(job(file, name.endsWith('.wav') ? 'audio' : 'video'), recordingContext(llm())).then(
      (r) => `${r.status}: ${r.problem?.message ?? r.summary}`,
      (e: Error) => e.message,
    );
    assert.match(outcome, new RegExp(`${name.replace('.', '\\.')} (is not a readable media file|has no audio or video stream)`), `${name}: ${outcome}`);
    assert.ok(Date.now() - started < 15_000, `${name} took ${Date.now() - started} ms`);
  }
});

test('a hostile file name is only ever data: ffmpeg sees a private link, never the name', { skip: noFfmpeg(), timeout: 120_000 }, async () => {
  const source = path.join(dir, 'plain.mp4');
  await makeSlideVideo(ffmpeg, source, [{ lines: ['Invoice 5521'], seconds: 2 }]);
  const marker = 'ms-pwned-marker';
  const hostile = path.join(dir, `-i $(touch ${marker}); \`touch ${marker}\` "q'\nDuration: 99:00:00.00.mp4`);
  await copyFile(source, hostile);
  const result = await processAudioVisual(job(hostile), recordingContext(llm()));
  assert.equal(result.status, 'ok', result.problem?.message);
  assert.match(result.ocrText!, /5521/);
  assert.ok(Math.abs(result.metadata.durationSeconds! - 2) < 0.5, 'the name could not forge the duration line');
  for (const where of [dir, process.cwd(), '/tmp']) assert.equal(existsSync(path.join(where, marker)), false, 'nothing in the name was executed');
});

test('a two-hour silent video is bounded work: frames spread over it, transcription capped', { skip: noFfmpeg() || noWhisperFixtures, timeout: 5 * 60_000 }, async () => {
  await testWhisperCli();
  const file = path.join(dir, 'two hours.mp4');
  await makeSilentVideo(ffmpeg, file, 7200);
  const context = recordingContext(llm());
  context.media = { ...context.media, maxTranscribeSeconds: 60 };
  const started = Date.now();
  const result = await processAudioVisual(job(file), context);
  assert.equal(result.status, 'ok', result.problem?.message);
  assert.ok(Math.abs(result.metadata.durationSeconds! - 7200) < 1);
  assert.equal(result.metadata.transcribedSeconds, 60);
  assert.equal(typeof result.transcript, 'string', 'silence: an empty transcript is fine');
  assert.ok(Date.now() - started < 120_000, `took ${Date.now() - started} ms`);
});

test('a screen recording without a whisper model is summarized from its frames, marked partial, and its summary is not cached', { skip: noFfmpeg(), timeout: 120_000 }, async () => {
  const file = path.join(dir, 'talk-without-model.mp4');
  await makeSlideVideo(ffmpeg, file, [{ lines: ['Roadmap review ROAD-42'], seconds: 3 }], 'tone');
  const context = recordingContext(llm());
  const noModels = await tempDir('no-whisper-models');
  // The worker resolves the model first: with none downloaded, that is what fails.
  context.transcribe = async () => {
    await resolveWhisperModel('base.en', noModels);
    return assert.fail('the model cannot be found');
  };
  const result = await processAudioVisual(job(file), context);
  assert.equal(result.status, 'ok', result.problem?.message);
  assert.match(result.ocrText!, /ROAD-42/);
  assert.match(result.summary ?? '', /ROAD-42/);
  assert.equal(result.partial?.code, 'model-missing');
  assert.match(result.partial?.message ?? '', /^Summarized from its frames only, without its speech: .*base\.en/);
  assert.equal(context.saved.summary, undefined, 'a partial summary is not cached: the next run transcribes and summarizes again');
  assert.match(context.saved.extract?.text ?? '', /ROAD-42/, 'what was read is cached');

  const memo = path.join(dir, 'memo-without-model.m4a');
  await convertAudio(ffmpeg, JFK_WAV, memo);
  await assert.rejects(processAudioVisual(job(memo, 'audio'), context), (error: Error) => /base\.en/.test(error.message), 'audio alone has nothing else to go on: it fails with the fix');
});

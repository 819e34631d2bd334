import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { FileRecord } from '../../src/core/records';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';
import { resolveFfmpeg } from '../../src/processors/media/ffmpeg';
import { convertAudio, makeSlideVideo } from '../support/makeMedia';
import { JFK_WAV, TEST_MODEL, testWhisperCli } from '../support/whisperBuild';
import { existsSync } from 'node:fs';

const run = promisify(execFile);
const noMediaTools = (): string | false =>
  !existsSync(TEST_MODEL) ? `whisper fixtures not found at ${TEST_MODEL} — skipped` : !(process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, 'ffmpeg'))) ? 'ffmpeg is not installed — skipped' : false;
const CLOSED_PORT_HOST = 'http://127.0.0.1:59998';

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: 30, tokenDelayMs: 5 });
});
after(() => ollama?.close());

interface CliRun {
  code: number;
  records: FileRecord[];
  totals: Record<string, number | boolean>;
  stdout: string;
  stderr: string;
}

async function cli(args: string[]): Promise<CliRun> {
  const result = await run(process.execPath, [CLI_SCRIPT, ...args], { timeout: 120_000, maxBuffer: 64 << 20 }).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => ({ stdout: e.stdout, stderr: e.stderr, code: e.code }),
  );
  const lines = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return {
    code: result.code,
    records: lines.filter((l) => l.type !== 'run'),
    totals: lines.find((l) => l.type === 'run') ?? {},
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** A Desktop-like folder: three screenshots with distinct identifiers, a video, a corrupt image, a text file. */
async function makeFolder(): Promise<string> {
  const dir = await tempDir('cli');
  await writeFile(path.join(dir, 'Screenshot 2024-05-01 at 09.30.00.png'), await renderTextImage(['Incident INC-7731 resolved', 'database primary failover']));
  await writeFile(path.join(dir, 'café receipt.jpg'), await renderTextImage(['Total 42.50 EUR', 'Cafe Luna Berlin'], 'image/jpeg'));
  await writeFile(path.join(dir, 'build.gif'), await renderTextImage(['Pipeline 5512 passed'], 'image/gif'));
  await writeFile(path.join(dir, 'recording.mov'), Buffer.from('not really a video'));
  await writeFile(path.join(dir, 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\n garbage'));
  await writeFile(path.join(dir, 'notes.txt'), 'ignored');
  return dir;
}

const byName = (records: FileRecord[], name: string) => {
  const found = records.find((r) => path.basename(r.path) === name);
  assert.ok(found, `no record for ${name}`);
  return found;
};

test('the CLI summarizes a folder end to end: NDJSON, log file, then a re-run answered from the cache', { skip: builtMissing() }, async () => {
  const dir = await makeFolder();
  const cache = await tempDir('cli-cache');
  const common = [dir, '--json', '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '2'];
  const generateBefore = ollama.stats.generateCalls;

  const first = await cli(common);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.records.length, 5, 'one record per media file, none for notes.txt');
  const incident = byName(first.records, 'Screenshot 2024-05-01 at 09.30.00.png');
  assert.equal(incident.status, 'ok');
  assert.equal(incident.kind, 'image');
  assert.equal(incident.cached, false);
  assert.ok(path.isAbsolute(incident.path));
  assert.match(incident.ocrText!, /INC-7731/);
  assert.match(incident.summary!, /INC-7731/, 'the OCR text reached the LLM and its answer is the summary');
  assert.ok(incident.title && incident.tags!.length > 0);
  assert.deepEqual([incident.metadata.format, incident.metadata.width], ['PNG', 900]);
  assert.match(byName(first.records, 'café receipt.jpg').summary!, /42\.50/);
  assert.match(byName(first.records, 'build.gif').summary!, /5512/);
  const video = byName(first.records, 'recording.mov');
  assert.deepEqual([video.kind, video.status], ['video', 'error']);
  assert.match(video.error!, /recording\.mov is not a readable media file/);
  const broken = byName(first.records, 'broken.png');
  assert.equal(broken.status, 'error');
  assert.match(broken.error!, /broken\.png is not a readable image/);
  assert.deepEqual(
    { files: first.totals.files, ok: first.totals.ok, errors: first.totals.errors, cached: first.totals.cached, llmCalls: first.totals.llmCalls },
    { files: 5, ok: 3, errors: 2, cached: 0, llmCalls: 3 },
  );
  const started = Number(first.totals.workers);
  assert.ok(started >= 1 && started <= 2, `workers started: ${started} (at most --workers 2)`);
  assert.equal(ollama.stats.generateCalls - generateBefore, 3);

  const logs = (await readdir(dir)).filter((n) => /^media_summaries_\d{8}_\d{6}\.txt$/.test(n));
  assert.equal(logs.length, 1);
  const log = await readFile(path.join(dir, logs[0]), 'utf8');
  assert.match(log, /^Media Summaries - Generated .+\nFolder: .+\nTotal files: 5\n=+\n/);
  assert.match(log, /File: Screenshot 2024-05-01 at 09\.30\.00\.png\nSummary: .*INC-7731[\s\S]*?\nMetadata: Dimensions: 900x\d+, Format: PNG\nFilename: Screenshot 2024-05-01 at 09\.30\.00\.png\n-{80}/);
  assert.equal((log.match(/^File: /gm) ?? []).length, 5);

  const second = await cli([...common, '--no-log']);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.totals.llmCalls, 0);
  assert.equal(second.totals.cached, 5, 'three summaries and the two unreadable files, whose errors depend only on their bytes');
  assert.deepEqual(byName(second.records, 'broken.png'), { ...broken, cached: true });
  assert.equal(second.totals.workers, 0, 'cache hits are answered without starting a worker');
  assert.equal(ollama.stats.generateCalls - generateBefore, 3, 'the re-run made no LLM call');
  assert.equal(byName(second.records, 'Screenshot 2024-05-01 at 09.30.00.png').summary, incident.summary);
  assert.equal(byName(second.records, 'Screenshot 2024-05-01 at 09.30.00.png').cached, true);
});

test('with Ollama down the run completes with pending records; the next run fills them in without redoing OCR', { skip: builtMissing() }, async () => {
  const dir = await makeFolder();
  const cache = await tempDir('cli-cache');
  const down = await cli([dir, '--json', '--no-log', '--cache-dir', cache, '--ollama-host', CLOSED_PORT_HOST]);
  assert.equal(down.code, 0);
  const pending = byName(down.records, 'Screenshot 2024-05-01 at 09.30.00.png');
  assert.equal(pending.status, 'pending');
  assert.match(pending.ocrText!, /INC-7731/, 'OCR text is kept while the LLM is away');
  assert.match(pending.error!, /Ollama is not reachable at http:\/\/127\.0\.0\.1:59998 — start it with `ollama serve`/);
  assert.equal(down.totals.pending, 3);
  assert.equal((down.stderr.match(/not reachable/g) ?? []).length, 1, 'one clear message, not one per file');

  const up = await cli([dir, '--json', '--no-log', '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none']);
  const filled = byName(up.records, 'Screenshot 2024-05-01 at 09.30.00.png');
  assert.equal(filled.status, 'ok');
  assert.match(filled.summary!, /INC-7731/);
  assert.equal(filled.timings?.ocr, undefined, 'OCR came from the cache');
  assert.ok(filled.timings?.summary !== undefined);
  assert.equal(up.totals.llmCalls, 3);
});

test('a missing model is named with the pull command; a vision model is detected and describes images', { skip: builtMissing() }, async () => {
  const dir = await makeFolder();
  const missing = await cli([dir, '--json', '--no-log', '--no-cache', '--ollama-host', ollama.url, '--model', 'qwen9:404b']);
  assert.match(byName(missing.records, 'build.gif').error!, /Model qwen9:404b is not available .* `ollama pull qwen9:404b`/);

  const imagesBefore = ollama.stats.imagesReceived;
  const seen = await cli([dir, '--json', '--no-log', '--no-cache', '--ollama-host', ollama.url]);
  const shot = byName(seen.records, 'Screenshot 2024-05-01 at 09.30.00.png');
  assert.equal(shot.status, 'ok');
  assert.match(shot.visionText!, /image\(s\) seen: 1/, 'the auto-detected vision model (llava:7b) described the image');
  assert.equal(ollama.stats.imagesReceived - imagesBefore, 3);
  assert.equal(seen.totals.llmCalls, 6, 'a vision call and a summary call per image');
  const lastVisionCall = ollama.stats.calls.filter((c) => c.imageCount > 0).at(-1);
  assert.equal(lastVisionCall?.model, 'llava:7b');
});

test('exit codes: 1 when the folder is missing, 2 for bad usage; --help documents the options', { skip: builtMissing() }, async () => {
  const missing = await cli(['/nonexistent/folder', '--no-cache']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Folder not found or not readable: \/nonexistent\/folder/);
  const usage = await cli(['--workers', 'many']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--workers must be a whole number from 1 to 64, got "many"/);
  const unknownModel = await cli(['--download-whisper-model', 'huge.en', '--cache-dir', await tempDir('cli-dl')]);
  assert.equal(unknownModel.code, 1);
  assert.match(unknownModel.stderr, /Unknown whisper model "huge\.en" — use one of tiny, tiny\.en, .*base\.en/);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  for (const option of ['--recursive', '--workers', '--ollama-host', '--model', '--vision-model', '--cache-dir', '--no-cache', '--log', '--no-log', '--json', '--ffmpeg', '--whisper-model', '--whisper-cli', '--download-whisper-model']) {
    assert.ok(help.stdout.includes(option), `--help mentions ${option}`);
  }
});

test('videos and voice memos through the CLI: transcript, frame text, duration; a re-run redoes nothing', { skip: builtMissing() || noMediaTools(), timeout: 10 * 60_000 }, async () => {
  const { cli: whisperCli } = await testWhisperCli();
  const ffmpeg = await resolveFfmpeg();
  const dir = await tempDir('cli-media');
  const cache = await tempDir('cli-media-cache');
  await makeSlideVideo(ffmpeg, path.join(dir, 'Screen Recording.mov'), [
    { lines: ['Standup notes TEAM-42'], seconds: 6 },
    { lines: ['Blocker: VPN-9001 outage'], seconds: 6 },
  ], JFK_WAV);
  await convertAudio(ffmpeg, JFK_WAV, path.join(dir, 'Voice Memo.m4a'));
  await writeFile(path.join(dir, 'shot.png'), await renderTextImage(['Ticket OPS-77']));
  const args = [dir, '--json', '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none', '--whisper-cli', whisperCli, '--whisper-model', TEST_MODEL];

  const first = await cli(args);
  assert.equal(first.code, 0, first.stderr);
  const video = byName(first.records, 'Screen Recording.mov');
  assert.deepEqual([video.kind, video.status], ['video', 'ok'], video.error);
  assert.match(video.ocrText!, /TEAM-42[\s\S]*VPN-9001/);
  assert.equal(typeof video.transcript, 'string');
  assert.ok(Math.abs(video.metadata.durationSeconds! - 12) < 0.5);
  const memo = byName(first.records, 'Voice Memo.m4a');
  assert.deepEqual([memo.kind, memo.status], ['audio', 'ok'], memo.error);
  assert.equal(typeof memo.transcript, 'string');
  assert.equal(first.totals.llmCalls, 3);
  const log = await readFile(path.join(dir, (await readdir(dir)).find((n) => n.startsWith('media_summaries_'))!), 'utf8');
  assert.match(log, /File: Screen Recording\.mov\nSummary: .+\nMetadata: Duration: 0m 12s, Dimensions: 960x400, Format: MOV\nFilename: Screen Recording\.mov/);
  assert.match(log, /File: Voice Memo\.m4a\nSummary: .+\nMetadata: Duration: 0m 11s, Format: M4A\nFilename: Voice Memo\.m4a/);

  const second = await cli([...args, '--no-log']);
  assert.deepEqual([second.totals.cached, second.totals.llmCalls, second.totals.workers], [3, 0, 0]);
  assert.equal(byName(second.records, 'Screen Recording.mov').transcript, video.transcript);
});

test('without ffmpeg, images still work and each video and audio file gets a clear error', { skip: builtMissing(), timeout: 120_000 }, async () => {
  const dir = await tempDir('cli-noffmpeg');
  await writeFile(path.join(dir, 'shot.png'), await renderTextImage(['Ticket OPS-78']));
  await writeFile(path.join(dir, 'clip.mp4'), 'x');
  await writeFile(path.join(dir, 'memo.mp3'), 'x');
  const result = await promisify(execFile)(process.execPath, [CLI_SCRIPT, dir, '--json', '--no-cache', '--no-log', '--ollama-host', ollama.url, '--vision-model', 'none'], { env: { ...process.env, PATH: '/nonexistent' } });
  const records: FileRecord[] = result.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type !== 'run');
  assert.equal(byName(records, 'shot.png').status, 'ok');
  for (const name of ['clip.mp4', 'memo.mp3']) {
    assert.equal(byName(records, name).status, 'error');
    assert.match(byName(records, name).error!, /^ffmpeg not found — install it .* or pass --ffmpeg PATH/);
  }
});

test('two CLI runs on the same folder and cache at once: no corruption, no entry lost, both logs complete', { skip: builtMissing(), timeout: 180_000 }, async () => {
  const dir = await tempDir('cli-twice');
  const cache = await tempDir('cli-twice-cache');
  for (let i = 0; i < 6; i++) await writeFile(path.join(dir, `shot ${i}.png`), await renderTextImage([`Change request CR-${500 + i}`]));
  const before = ollama.stats.generateCalls;
  const args = [dir, '--json', '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '2'];
  const [a, b] = await Promise.all([cli(args), cli(args)]);
  for (const run of [a, b]) {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.records.length, 6);
    assert.ok(run.records.every((r) => r.status === 'ok' && /CR-5\d\d/.test(r.summary!)));
  }
  const calls = ollama.stats.generateCalls - before;
  // Each run claims a file just before a worker takes it (src/core/claims.ts) and answers a file the other run
  // finished from the shared cache, so the two runs split the work rather than doing it twice.
  assert.equal(calls, 6, `each file summarized exactly once by the two runs together (${calls} LLM calls)`);
  const fromOther = [...a.records, ...b.records].filter((r) => r.cached).length;
  assert.equal(fromOther, 6, 'every file one run summarized, the other answered from the cache');
  const logs = (await readdir(dir)).filter((n) => n.startsWith('media_summaries_'));
  assert.equal(logs.length, 2, `two logs: ${logs.join(', ')}`);
  for (const log of logs) assert.equal(((await readFile(path.join(dir, log), 'utf8')).match(/^File: /gm) ?? []).length, 6);
  const third = await cli([...args, '--no-log']);
  assert.deepEqual([third.totals.cached, third.totals.llmCalls], [6, 0], 'the shared cache holds every result');
  assert.doesNotMatch(third.stderr, /corrupt|damaged/i);
});

/**
 * The linux-x64 VSIX (`npm run package -- --target linux-x64`), installed by code-server, on a PATH with node and
 * nothing else — no ffmpeg, no cmake, no compiler: the packaged CLI reads a voice memo (jfk.wav) and a screen
 * recording with the ffmpeg and the prebuilt whisper-cli it carries, building nothing. Its size is reported.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FileRecord } from '../../src/core/records';
import { resolveFfmpeg } from '../../src/processors/media/ffmpeg';
import { makeSlideVideo } from '../support/makeMedia';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { PROJECT_ROOT, tempDir } from '../support/paths';
import { JFK_WAV, TEST_MODEL } from '../support/whisperBuild';
import { installExtension, makeCodeServerDirs } from './support/codeServer';
import { projectExtensionId } from './support/paths';

const run = promisify(execFile);
const MB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function platformVsix(): string | undefined {
  const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  const file = path.join(PROJECT_ROOT, `media-summarizer-linux-x64-${version}.vsix`);
  return existsSync(file) ? file : undefined;
}

const skip =
  process.platform !== 'linux' || process.arch !== 'x64'
    ? 'the linux-x64 VSIX runs on linux-x64 only'
    : !platformVsix()
      ? 'media-summarizer-linux-x64-*.vsix not found — run `npm run package -- --target linux-x64` (npm run test:e2e does)'
      : !existsSync(TEST_MODEL)
        ? `${TEST_MODEL} is missing (../shared/fixtures/whisper)`
        : false;

describe('the linux-x64 VSIX on a machine without ffmpeg or a compiler', { skip }, () => {
  let root: string;
  let extension: string;
  let ollama: OllamaStandIn;

  before(async () => {
    root = await tempDir('e2e-platform-vsix');
    const dirs = await makeCodeServerDirs(root);
    await installExtension(dirs, platformVsix()!);
    extension = path.join(dirs.extensions, projectExtensionId().folder);
    ollama = await startOllamaStandIn();
  });
  after(async () => {
    await ollama?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('carries ffmpeg, whisper-cli and their licences', async (t) => {
    const bin = path.join(extension, 'bin', 'linux-x64');
    const files = await readdir(bin);
    for (const file of ['ffmpeg', 'whisper-cli', 'THIRD-PARTY-NOTICES.md', 'LICENSE.whisper.cpp.txt']) assert.ok(files.includes(file), `${file} is in bin/linux-x64 (${files.join(', ')})`);
    t.diagnostic(`linux-x64 VSIX ${MB(statSync(platformVsix()!).size)}; ffmpeg ${MB(statSync(path.join(bin, 'ffmpeg')).size)}, whisper-cli ${MB(statSync(path.join(bin, 'whisper-cli')).size)} installed`);
  });

  test('a voice memo and a screen recording are transcribed with the carried tools, on a PATH with node alone', { timeout: 300_000 }, async () => {
    const folder = path.join(root, 'Desktop');
    await mkdir(folder, { recursive: true });
    await copyFile(JFK_WAV, path.join(folder, 'Voice Memo 2025-05-02.wav'));
    // Made with this machine's ffmpeg, before the PATH is taken away.
    await makeSlideVideo(await resolveFfmpeg(), path.join(folder, 'Screen Recording 2025-05-03 at 10.00.00.mov'), [{ lines: ['Quarterly planning', 'Roadmap review'], seconds: 3 }], JFK_WAV);
    const onlyNode = path.join(root, 'only-node');
    await mkdir(onlyNode);
    await symlink(process.execPath, path.join(onlyNode, 'node'));
    const env = { HOME: path.join(root, 'home'), PATH: onlyNode, LANG: 'C' };
    for (const tool of ['ffmpeg', 'cmake', 'c++', 'g++']) assert.ok(!existsSync(path.join(onlyNode, tool)), `${tool} is not on the PATH`);

    const args = [path.join(extension, 'dist', 'cli.js'), folder, '--json', '--no-log', '--cache-dir', path.join(root, 'cache'), '--ollama-host', ollama.url, '--vision-model', 'none', '--whisper-model', TEST_MODEL];
    const { stdout } = await run(process.execPath, args, { cwd: root, env, timeout: 240_000, maxBuffer: 16 << 20 });
    const records = stdout.split('\n').filter((line) => line.startsWith('{"path"')).map((line) => JSON.parse(line) as FileRecord);
    assert.equal(records.length, 2, stdout);
    for (const record of records) {
      assert.equal(record.status, 'ok', `${path.basename(record.path)}: ${record.error ?? ''}`);
      assert.equal(record.partial, undefined, `${path.basename(record.path)} was read whole, speech included: ${JSON.stringify(record.partial)}`);
      assert.ok(record.metadata.audioCodec, `${path.basename(record.path)}: ffmpeg probed its audio`);
      // The test model's words mean nothing (often none); that whisper-cli ran over the speech is what counts.
      assert.ok((record.timings?.transcribe ?? 0) > 0 && typeof record.transcript === 'string', `${path.basename(record.path)} was transcribed: ${JSON.stringify(record.timings)}`);
    }
    assert.ok(!existsSync(path.join(root, 'cache', 'whisper')), 'nothing was built');
  });
});

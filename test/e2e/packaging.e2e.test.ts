/**
 * The VSIX that `npm run package` built, installed by code-server as a user would install it, then checked from
 * the installed folder: the bundle is there and sources are not, every package the bundle loads at run time
 * shipped with its dependencies, OCR runs from it (tesseract.js worker, wasm core and English data resolved in the
 * extension folder; this machine has no route to a CDN), and whisper.cpp configures from the shipped sources.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FileRecord } from '../../src/core/records';
import { WHISPER_CMAKE_FLAGS } from '../../src/processors/whisper/cmakeBuild';
import { ensureWhisperCli } from '../../src/processors/whisper/build';
import { findOnPath } from '../../src/processors/media/ffmpeg';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';
import { JFK_WAV, TEST_MODEL } from '../support/whisperBuild';
import { installExtension, makeCodeServerDirs } from './support/codeServer';
import { esbuildExternals, listFiles, missingDependencies, sizeByPart } from './support/installedPackage';
import { projectExtensionId, projectVsix } from './support/paths';

const run = promisify(execFile);
/** A VSIX above this has grown by something that should be looked at (it was 15.5 MB when this was written). */
const SIZE_BUDGET_BYTES = 20 * 1024 * 1024;
const MB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

describe('the packaged extension', () => {
  let root: string;
  let extension: string;
  let vsix: string;

  before(async () => {
    vsix = projectVsix();
    root = await tempDir('e2e-vsix');
    const dirs = await makeCodeServerDirs(root);
    await installExtension(dirs, vsix);
    extension = path.join(dirs.extensions, projectExtensionId().folder);
    assert.ok(existsSync(extension), `code-server reported success but ${extension} does not exist`);
  });
  after(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

  test('ships the esbuild bundle, and none of the sources, tests or source maps', async (t) => {
    const files = await listFiles(extension);
    // With the Marketplace's parts: the PNG icon, the license and the changelog (vsce renames the last two).
    for (const entry of ['dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/undici.js', 'package.json', 'media/icon.png', 'LICENSE.txt', 'changelog.md']) {
      assert.ok(files.some((f) => f.file === entry), `${entry} is missing from the VSIX`);
    }
    const unwanted = files.filter((f) => /^(src|test|bench|artifacts|media\/screenshots)\//.test(f.file) || /\.(map|ts)$/.test(f.file));
    assert.deepEqual(unwanted.map((f) => f.file).slice(0, 20), [], 'files that .vscodeignore should keep out');

    const size = statSync(vsix).size;
    const installed = files.reduce((sum, f) => sum + f.bytes, 0);
    t.diagnostic(`VSIX ${MB(size)} (${files.length} files, ${MB(installed)} installed); largest parts, installed size:`);
    for (const [part, bytes] of sizeByPart(files).slice(0, 8)) t.diagnostic(`  ${MB(bytes).padStart(9)}  ${part}`);
    assert.ok(size < SIZE_BUDGET_BYTES, `the VSIX is ${MB(size)}, over the ${MB(SIZE_BUDGET_BYTES)} budget — see what grew above`);
  });

  test('every package the bundle loads at run time shipped, with all its dependencies', () => {
    // vscode is the host's; ffmpeg-static is optional and deliberately left out (see .vscodeignore).
    const externals = esbuildExternals().filter((name) => name !== 'vscode' && name !== 'ffmpeg-static');
    assert.deepEqual(missingDependencies(extension, externals), [], 'packages missing from the VSIX (.vscodeignore removed too much)');
    for (const file of [
      'node_modules/tesseract.js/src/worker-script/node/index.js',
      'node_modules/@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz',
      'node_modules/libheif-js/libheif-wasm/libheif-bundle.js',
      'node_modules/nodejs-whisper/package.json',
      'node_modules/nodejs-whisper/cpp/whisper.cpp/CMakeLists.txt',
    ]) {
      assert.ok(existsSync(path.join(extension, file)), `${file} is missing from the VSIX`);
    }
    assert.ok(!existsSync(path.join(extension, 'node_modules/ffmpeg-static')), 'ffmpeg-static (a platform binary) must not ship in the universal VSIX');
  });

  describe('runs from the installed folder', () => {
    let ollama: OllamaStandIn;
    before(async () => {
      ollama = await startOllamaStandIn();
    });
    after(() => ollama?.close());

    test('OCR of a PNG and a GIF (tesseract.js, jimp) through the packaged CLI, summarized by the Ollama stand-in', { timeout: 180_000 }, async () => {
      const folder = path.join(root, 'media');
      await mkdir(folder, { recursive: true });
      await writeFile(path.join(folder, 'invoice.png'), await renderTextImage(['Invoice 4471 overdue', 'Payment reminder']));
      await writeFile(path.join(folder, 'deploy.gif'), await renderTextImage(['Deployment 9120 finished'], 'image/gif'));
      const args = [path.join(extension, 'dist', 'cli.js'), folder, '--json', '--no-log', '--cache-dir', path.join(root, 'cache'), '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '2'];
      const { stdout } = await run(process.execPath, args, { cwd: root, timeout: 150_000, maxBuffer: 16 << 20 });
      const records = stdout.split('\n').filter((l) => l.startsWith('{"path"')).map((l) => JSON.parse(l) as FileRecord);
      const byName = (name: string): FileRecord => {
        const found = records.find((r) => path.basename(r.path) === name);
        assert.ok(found, `the CLI printed no record for ${name}:\n${stdout}`);
        assert.equal(found.status, 'ok', `${name}: ${found.error ?? ''}`);
        return found;
      };
      assert.match(byName('invoice.png').ocrText ?? '', /Invoice 4471/);
      assert.match(byName('deploy.gif').ocrText ?? '', /Deployment 9120/);
      assert.match(byName('invoice.png').summary ?? '', /4471/, 'the summary comes from the stand-in, which quotes the OCR text');
    });

    test('whisper.cpp configures with CMake from the shipped sources (MEDIA_SUMMARIZER_E2E_WHISPER_BUILD=1 also builds and runs whisper-cli)', { timeout: 900_000 }, async (t) => {
      const cmake = await findOnPath('cmake', process.env);
      if (!cmake) return t.skip('cmake is not installed (Debian: apt-get install cmake g++)');
      const source = path.join(extension, 'node_modules', 'nodejs-whisper', 'cpp', 'whisper.cpp');
      const work = path.join(root, 'whisper-configure');
      await run(cmake, ['-S', source, '-B', work, ...WHISPER_CMAKE_FLAGS], { timeout: 120_000, maxBuffer: 16 << 20 }).catch((error: { stdout?: string; stderr?: string }) => {
        assert.fail(`CMake could not configure the packaged whisper.cpp sources — .vscodeignore removed a file the build needs:\n${error.stderr ?? ''}\n${(error.stdout ?? '').slice(-3000)}`);
      });
      if (process.env.MEDIA_SUMMARIZER_E2E_WHISPER_BUILD !== '1') return;
      // The app's own build path (lock, staging, flags), pointed at the packaged sources.
      const cli = await ensureWhisperCli({ buildDir: path.join(root, 'whisper-build'), sourceDir: source });
      if (!existsSync(TEST_MODEL)) return t.skip(`whisper-cli built; not run: ${TEST_MODEL} is missing`);
      await run(cli, ['-m', TEST_MODEL, '-f', JFK_WAV, '-otxt', '-of', path.join(root, 'jfk')], { timeout: 120_000 });
      assert.ok(existsSync(path.join(root, 'jfk.txt')), 'whisper-cli built from the packaged sources wrote no transcript');
    });
  });
});

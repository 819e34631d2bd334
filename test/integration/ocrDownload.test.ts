/**
 * Download OCR Language… against a registry of our own on localhost (what a mirror is): the package is checked
 * against the registry's sha512 and only its best_int model kept; a tampered package, an unknown language, a
 * server that stalls and one that is not there each fail with the reason, leaving nothing behind. Then the CLI
 * reads a German screenshot with the downloaded data, and refuses a language that is not installed before
 * starting.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { downloadOcrLanguage } from '../../src/processors/ocrDownload';
import { ocrDataDir } from '../../src/processors/ocrLanguages';
import { startNpmRegistryStandIn, type NpmRegistryStandIn } from '../support/npmRegistryStandIn';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { fontMissing, renderWithFont } from '../support/renderFont';

const run = promisify(execFile);

let registry: NpmRegistryStandIn;
let model: Buffer;
const dirs: string[] = [];
before(async () => {
  model = await readFile(require.resolve('@tesseract.js-data/deu/4.0.0_best_int/deu.traineddata.gz'));
  registry = await startNpmRegistryStandIn({ xyz: model });
});
after(async () => {
  await registry?.close();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});
async function dataDir(): Promise<string> {
  const dir = await tempDir('ocr-download');
  dirs.push(dir);
  return dir;
}

test('a language is fetched from the registry, checked against its sha512, and only its best_int model kept', async () => {
  const dir = await dataDir();
  const progress: number[] = [];
  const file = await downloadOcrLanguage('xyz', dir, { baseUrl: registry.url, onProgress: ({ bytes }) => progress.push(bytes) });
  assert.equal(file, path.join(ocrDataDir(dir), 'xyz.traineddata.gz'));
  assert.ok((await readFile(file)).equals(model));
  assert.ok(progress.length > 0, 'progress was reported');
  const asked = registry.requests.length;
  assert.equal(await downloadOcrLanguage('xyz', dir, { baseUrl: registry.url }), file, 'a language already here is kept');
  assert.equal(registry.requests.length, asked, 'without asking the registry');
});

test('a tampered package, an unknown language, a stalled download and no server each fail with why, leaving nothing', async (t) => {
  const dir = await dataDir();
  t.after(() => {
    registry.mode = 'ok';
  });
  registry.mode = 'tamper';
  await assert.rejects(downloadOcrLanguage('xyz', dir, { baseUrl: registry.url }), /Could not download OCR data for "xyz" from http:\/\/127\.0\.0\.1:\d+ \(the package does not match its checksum\)/);
  await assert.rejects(downloadOcrLanguage('abc', dir, { baseUrl: registry.url }), /\(no such language\) — use one of tesseract's codes/);
  registry.mode = 'stall';
  await assert.rejects(downloadOcrLanguage('xyz', dir, { baseUrl: registry.url, stallTimeoutMs: 300 }), /no data received for/);
  const closed = await startNpmRegistryStandIn({ xyz: model });
  await closed.close();
  await assert.rejects(downloadOcrLanguage('xyz', dir, { baseUrl: closed.url }), /Could not download OCR data for "xyz" .*\(.*ECONNREFUSED.*\) — check the internet connection, or set a mirror/);
  assert.deepEqual(await readdir(ocrDataDir(dir)).catch(() => []), [], 'no partial file');
});

test('the CLI downloads a language, reads a German screenshot with it, and refuses one not installed before starting', { skip: builtMissing() || fontMissing('latin') }, async (t) => {
  const dir = await dataDir();
  const desk = await dataDir();
  const ollama: OllamaStandIn = await startOllamaStandIn({ latencyMs: 1, tokenDelayMs: 0 });
  t.after(() => ollama.close());
  const ffmpeg = 'ffmpeg';
  await writeFile(path.join(desk, 'Rechnung.png'), await renderWithFont(ffmpeg, ['Rechnung für Müller GmbH', 'Größe: 12 Stück'], 'latin'));
  const cli = (...args: string[]) => run(process.execPath, [CLI_SCRIPT, ...args, '--cache-dir', dir], { timeout: 120_000, env: { ...process.env, LANG: 'C' } });
  const downloaded = await cli('--download-ocr-lang', 'xyz', '--ocr-download-url', registry.url);
  assert.match(downloaded.stdout, /OCR language xyz is ready: .*ocr-data[\\/]xyz\.traineddata\.gz/);
  // xyz is German's data under another name: what a user's download of deu gives.
  const read = await cli(desk, '--ocr-lang', 'eng+xyz', '--ollama-host', ollama.url, '--vision-model', 'none', '--no-log', '--json');
  const record = JSON.parse(read.stdout.split('\n')[0]) as { ocrText?: string };
  assert.match(record.ocrText ?? '', /Rechnung für M.ller GmbH\nGröße: 12 Stück/, 'ü, ö, ß read: German data, not English alone');
  await assert.rejects(cli(desk, '--ocr-lang', 'eng+kat', '--ollama-host', ollama.url, '--no-log'), (error: { code: number; stderr: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /OCR data for "kat" is not installed — download it with `media-summarizer --download-ocr-lang kat`/);
    return true;
  });
});

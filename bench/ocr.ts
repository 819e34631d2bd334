/**
 * OCR: the project's warm tesseract.js engine (as a worker uses it) against native tesseract (Debian
 * tesseract-ocr, OMP_THREAD_LIMIT=1, one process per image as a CLI would run it) on the same images: the
 * shared fixtures with ground truth and rendered screenshots with known text. Seconds per image and CER.
 *   node --import tsx bench/ocr.ts [--quick] [--json FILE]
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createOcrEngine } from '../src/processors/ocrEngine';
import { cleanOcrText } from '../src/processors/ocrText';
import { characterErrorRate } from '../test/support/cer';
import { OCR_FIXTURES, tempDir } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';

const run = promisify(execFile);
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'string' } } });

interface Sample {
  name: string;
  file: string;
  truth: string;
}

async function samples(): Promise<Sample[]> {
  const expected = JSON.parse(readFileSync(path.join(OCR_FIXTURES, 'expected.json'), 'utf8')).texts as Record<string, string>;
  const list: Sample[] = Object.entries(expected).map(([name, truth]) => ({ name, file: path.join(OCR_FIXTURES, name), truth }));
  const dir = await tempDir('bench-ocr');
  const count = values.quick ? 3 : 12;
  for (let i = 0; i < count; i++) {
    const lines = [`Incident INC-${4000 + i} opened by team-${i}`, `bucket acme-logs-${i} region eu-west-${i % 3}`, `Total due 1${i}4.50 EUR on 2024-0${(i % 9) + 1}-15`];
    const file = path.join(dir, `screenshot-${i}.png`);
    await writeFile(file, await renderTextImage(lines, 'image/png', 1200));
    list.push({ name: `screenshot-${i}.png`, file, truth: `${lines.join('\n')}\n` });
  }
  return list;
}

async function main(): Promise<void> {
  const list = await samples();
  const engine = await createOcrEngine();
  const rows: Array<{ image: string; jsSeconds: number; nativeSeconds: number; jsCer: number; nativeCer: number }> = [];
  let jsSeconds = 0;
  let nativeSeconds = 0;
  for (const sample of list) {
    const bytes = readFileSync(sample.file);
    let started = performance.now();
    const jsText = await engine.recognize(bytes);
    const js = (performance.now() - started) / 1000;
    started = performance.now();
    const { stdout } = await run('tesseract', [sample.file, 'stdout', '-l', 'eng', '--oem', '1'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' } });
    const native = (performance.now() - started) / 1000;
    jsSeconds += js;
    nativeSeconds += native;
    rows.push({
      image: sample.name,
      jsSeconds: Number(js.toFixed(3)),
      nativeSeconds: Number(native.toFixed(3)),
      jsCer: Number(characterErrorRate(jsText, sample.truth).toFixed(3)),
      nativeCer: Number(characterErrorRate(cleanOcrText(stdout), sample.truth).toFixed(3)),
    });
  }
  await engine.terminate();
  // Native tesseract warm: one process reads every image from a list file, loading its model once.
  const listDir = await tempDir('bench-ocr-list');
  const listFile = path.join(listDir, 'images.txt');
  await writeFile(listFile, list.map((s) => s.file).join('\n'));
  const batchStarted = performance.now();
  await run('tesseract', [listFile, 'stdout', '-l', 'eng', '--oem', '1'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 1 << 24 });
  const nativeWarmPerImage = (performance.now() - batchStarted) / 1000 / list.length;
  console.table(rows);
  const mean = (key: 'jsCer' | 'nativeCer') => Number((rows.reduce((s, r) => s + r[key], 0) / rows.length).toFixed(4));
  const summary = { images: rows.length, jsSecondsPerImage: Number((jsSeconds / rows.length).toFixed(3)), nativeSecondsPerImage: Number((nativeSeconds / rows.length).toFixed(3)), ratio: Number((jsSeconds / nativeSeconds).toFixed(2)), nativeWarmSecondsPerImage: Number(nativeWarmPerImage.toFixed(3)), ratioToWarm: Number((jsSeconds / list.length / nativeWarmPerImage).toFixed(2)), jsMeanCer: mean('jsCer'), nativeMeanCer: mean('nativeCer') };
  console.log(JSON.stringify(summary));
  if (values.json) await writeFile(values.json, JSON.stringify({ summary, rows }, null, 2));
}

void main();

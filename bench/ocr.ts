/**
 * OCR: the project's warm tesseract.js engine (as a worker uses it, on what prepareImage hands it) against warm
 * native tesseract (Debian tesseract-ocr, OMP_THREAD_LIMIT=1) on the same images — the shared fixtures with
 * ground truth and rendered screenshots with known text — at the same page segmentation mode, on equal model
 * data both ways: the shipped best_int model (given to native tesseract too) and Debian's eng data (tessdata_fast,
 * given to tesseract.js too). Seconds (wall and CPU) per image, medians over interleaved rounds, and CER.
 *   node --import tsx bench/ocr.ts [--quick] [--rounds N] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createOcrEngine, OCR_PAGE_SEG_MODE, tesseractPaths } from '../src/processors/ocrEngine';
import { fixturesMissing, OCR_FIXTURES, tempDir } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';
import { compareOcr, fixtureSamples, ratioByRound, type Comparison, type Contender, type Sample } from './ocrCompare';
import { defaultTessdataDir, type NativeModel } from './ocrNative';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rounds: { type: 'string' }, json: { type: 'string' } } });

async function screenshots(count: number): Promise<Sample[]> {
  const dir = await tempDir('bench-ocr');
  const list: Sample[] = [];
  for (let i = 0; i < count; i++) {
    const lines = [`Incident INC-${4000 + i} opened by team-${i}`, `bucket acme-logs-${i} region eu-west-${i % 3}`, `Total due 1${i}4.50 EUR on 2024-0${(i % 9) + 1}-15`];
    const file = path.join(dir, `screenshot-${i}.png`);
    await writeFile(file, await renderTextImage(lines, 'image/png', 1200));
    list.push({ name: `screenshot-${i}.png`, file, truth: `${lines.join('\n')}\n` });
  }
  return list;
}

/** The shipped model unpacked for native tesseract, which reads only an uncompressed eng.traineddata. */
async function shippedModelForNative(): Promise<string> {
  const dir = await tempDir('bench-ocr-best-int');
  await writeFile(path.join(dir, 'eng.traineddata'), gunzipSync(readFileSync(path.join(tesseractPaths().langPath, 'eng.traineddata.gz'))));
  return dir;
}

function nativeAvailable(): boolean {
  try {
    execFileSync('tesseract', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ratios(result: Comparison): Record<string, ReturnType<typeof ratioByRound>> {
  const js = (label: string) => result.engines.find((e) => e.label === label);
  const native = (label: string) => result.natives.find((e) => e.label === label);
  const out: Record<string, ReturnType<typeof ratioByRound>> = {};
  const add = (name: string, a?: Contender, b?: Contender) => {
    if (a && b) out[name] = ratioByRound(a, b);
  };
  add('equal data, best_int (shipped): tesseract.js / native', js('tesseract.js best_int'), native('best_int'));
  add('equal data, Debian eng (fast): tesseract.js / native', js('tesseract.js Debian eng'), native('Debian eng'));
  add('as installed: tesseract.js best_int / native Debian eng', js('tesseract.js best_int'), native('Debian eng'));
  return out;
}

async function main(): Promise<void> {
  const missing = fixturesMissing(OCR_FIXTURES);
  if (missing) console.log(`Shared OCR fixtures: ${missing}; measuring rendered screenshots only.`);
  const samples = [...(await fixtureSamples(OCR_FIXTURES)), ...(await screenshots(values.quick ? 3 : 12))];
  const rounds = Number(values.rounds ?? (values.quick ? 2 : 5));

  const engines = [{ label: 'tesseract.js best_int', engine: await createOcrEngine() }];
  const natives: NativeModel[] = [];
  const debianDir = nativeAvailable() ? await defaultTessdataDir() : undefined;
  if (nativeAvailable()) {
    natives.push({ label: 'best_int', tessdataDir: await shippedModelForNative() });
    if (debianDir) {
      natives.push({ label: 'Debian eng' });
      engines.push({ label: 'tesseract.js Debian eng', engine: await createOcrEngine({ langs: 'eng', dir: debianDir, gzip: false }) });
    }
  } else {
    console.log('Native tesseract not found (Debian: apt-get install tesseract-ocr); measuring tesseract.js only.');
  }

  const result = await compareOcr({ samples, engines, natives, psm: Number(OCR_PAGE_SEG_MODE), rounds });
  for (const { engine } of engines) await engine.terminate();

  console.table(result.perImage);
  console.table(
    [...result.engines, ...result.natives.map((n) => ({ ...n, label: `native ${n.label}` }))].map((c) => ({
      contender: c.label,
      'wall s/image': c.perImage.wall,
      'CPU s/image': c.perImage.cpu,
      'mean CER': c.meanCer,
    })),
  );
  const summary = { images: result.images, rounds, psm: Number(OCR_PAGE_SEG_MODE), preparePerImage: result.preparePerImage, nativeColdPerImage: result.nativeColdPerImage, ratios: ratios(result) };
  console.log(JSON.stringify(summary, null, 1));
  if (values.json) await writeFile(values.json, JSON.stringify({ summary, contenders: [...result.engines, ...result.natives], rows: result.perImage }, null, 2));
}

void main();

/**
 * What a second OCR language costs: the same screenshots (English text, rendered) read by one warm tesseract.js
 * engine per language set — eng, eng+deu, eng+jpn, eng+chi_sim — side by side, interleaved, in this process;
 * milliseconds per image (median of the rounds), the engine's start, and the memory each engine adds (RSS).
 *   node --import tsx bench/ocrLanguages.ts [--images 12] [--rounds 3] [--json FILE]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createOcrEngine, type OcrEngine } from '../src/processors/ocrEngine';
import { ocrLangPath } from '../src/processors/ocrLanguages';
import { tempDir } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';

const { values } = parseArgs({ options: { images: { type: 'string', default: '12' }, rounds: { type: 'string', default: '3' }, json: { type: 'string' }, quick: { type: 'boolean', default: false } } });
const SETS = [['eng'], ['eng', 'deu'], ['eng', 'jpn'], ['eng', 'chi_sim']];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const count = values.quick ? 4 : Number(values.images);
  const rounds = values.quick ? 1 : Number(values.rounds);
  const images = await Promise.all(Array.from({ length: count }, (_, i) => renderTextImage([`Invoice ${4400 + i} for order ACME-${i * 7}`, 'Payment due within 30 days', `Contact billing-${i}@example.com`])));
  const dataDir = await tempDir('bench-ocr-langs');
  const engines: Array<{ langs: string; engine: OcrEngine; startMs: number; addedMb: number; perImage: number[] }> = [];
  for (const set of SETS) {
    const rss = process.memoryUsage().rss;
    const started = performance.now();
    const engine = await createOcrEngine({ langs: set.join('+'), dir: await ocrLangPath(set, dataDir), gzip: true });
    engines.push({ langs: set.join('+'), engine, startMs: performance.now() - started, addedMb: (process.memoryUsage().rss - rss) / 2 ** 20, perImage: [] });
  }
  for (let round = 0; round < rounds; round++) {
    for (const entry of engines) {
      const started = performance.now();
      for (const image of images) await entry.engine.recognize(image);
      entry.perImage.push((performance.now() - started) / images.length);
    }
  }
  const rows = engines.map(({ langs, startMs, addedMb, perImage }) => ({ langs, msPerImage: Math.round(median(perImage)), startMs: Math.round(startMs), addedMb: Math.round(addedMb) }));
  const base = rows[0].msPerImage;
  // The first engine's memory includes the wasm module the others share: a worker pays it once.
  console.log('| languages | ms / image | vs eng | engine start | memory it added |\n|--|--:|--:|--:|--:|');
  for (const row of rows) console.log(`| ${row.langs} | ${row.msPerImage} | ${(row.msPerImage / base).toFixed(2)}× | ${row.startMs} ms | ${row.addedMb} MB |`);
  await Promise.all(engines.map(({ engine }) => engine.terminate()));
  if (values.json) await writeFile(values.json, JSON.stringify({ images: count, rounds, rows }, null, 2));
}

void main();

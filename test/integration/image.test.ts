import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { Jimp } from 'jimp';
import piexif from 'piexifjs';
import type { Job } from '../../src/core/job';
import { processImage } from '../../src/processors/image';
import { prepareImage } from '../../src/processors/imageInput';
import { characterErrorRate } from '../support/cer';
import { fixturesMissing, OCR_FIXTURES, tempDir } from '../support/paths';
import { closeSharedOcrEngine, recordingContext } from '../support/processorContext';
import { renderTextImage } from '../support/renderText';

after(closeSharedOcrEngine);

let id = 0;
const job = (file: string): Job => ({ id: id++, path: file, kind: 'image', sha256: 'test', size: 0, mtimeMs: 0, cached: {} });

test('real tesseract.js reads the shared fixtures in every format: character error rate against ground truth', { skip: fixturesMissing(OCR_FIXTURES) }, async (t) => {
  const expected = JSON.parse(readFileSync(path.join(OCR_FIXTURES, 'expected.json'), 'utf8')).texts as Record<string, string>;
  const rates: Record<string, number> = {};
  for (const [name, truth] of Object.entries(expected)) {
    const context = recordingContext();
    const result = await processImage(job(path.join(OCR_FIXTURES, name)), context);
    rates[name] = Number(characterErrorRate(result.ocrText ?? '', truth).toFixed(3));
    assert.equal(result.status, 'pending', 'no LLM in this test: OCR is kept and the summary is pending');
    assert.deepEqual(context.stages, ['metadata', 'ocr', 'summary']);
    assert.equal(context.saved.extract?.text, result.ocrText, 'the OCR result is saved as soon as it exists');
  }
  t.diagnostic(`character error rate per fixture: ${JSON.stringify(rates)}`);
  for (const [name, rate] of Object.entries(rates)) assert.ok(rate <= 0.1, `${name}: CER ${rate}`);
});

test('the dense bank statement keeps its identifiers and amounts', { skip: fixturesMissing(OCR_FIXTURES) }, async () => {
  const result = await processImage(job(path.join(OCR_FIXTURES, 'bill.png')), recordingContext());
  assert.match(result.ocrText!, /FIRST CHEQUING/);
  assert.match(result.ocrText!, /100,000\.00/);
  assert.deepEqual([result.metadata.format, result.metadata.width! > 0], ['PNG', true]);
});

test('rendered screenshots in PNG, JPEG, BMP, TIFF and GIF are converted as needed and read', async () => {
  const dir = await tempDir('formats');
  const lines = ['Deploy ticket OPS-4821 failed', 'bucket acme-prod-logs region eu-west-1'];
  const formats = { png: 'image/png', jpg: 'image/jpeg', bmp: 'image/bmp', tiff: 'image/tiff', gif: 'image/gif' } as const;
  for (const [ext, mime] of Object.entries(formats)) {
    const file = path.join(dir, `shot.${ext}`);
    await writeFile(file, await renderTextImage(lines, mime));
    const result = await processImage(job(file), recordingContext());
    assert.match(result.ocrText!, /OPS-4821/, `${ext}: ${result.ocrText}`);
    assert.match(result.ocrText!, /acme-prod-logs/, `${ext}: ${result.ocrText}`);
    assert.equal(result.metadata.format, ext === 'jpg' ? 'JPG' : ext.toUpperCase());
  }
});

test('what tesseract.js is given: gray PGM for PNG, BMP, TIFF and GIF, with the image\'s size; JPEG as it is', async () => {
  const dir = await tempDir('ocr-input');
  const lines = ['Invoice 4471 due'];
  for (const [ext, mime] of Object.entries({ png: 'image/png', bmp: 'image/bmp', tiff: 'image/tiff', gif: 'image/gif' } as const)) {
    const file = path.join(dir, `shot.${ext}`);
    await writeFile(file, await renderTextImage(lines, mime));
    const { ocrInput, metadata } = await prepareImage(file);
    const size = `${metadata.width} ${metadata.height}`;
    assert.equal(ocrInput.subarray(0, `P5\n${size}\n255\n`.length).toString('latin1'), `P5\n${size}\n255\n`, ext);
    assert.equal(ocrInput.length, `P5\n${size}\n255\n`.length + metadata.width! * metadata.height!, `${ext}: one gray byte a pixel`);
  }
  const jpeg = path.join(dir, 'shot.jpg');
  await writeFile(jpeg, await renderTextImage(lines, 'image/jpeg'));
  assert.deepEqual((await prepareImage(jpeg)).ocrInput, readFileSync(jpeg));
});

const noFfmpeg = (): string | false => ((process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, 'ffmpeg'))) ? false : 'ffmpeg is not installed — skipped');

test('an interlaced PNG (its rows cannot be turned gray in one pass here) goes to tesseract.js as it is and is read', { skip: noFfmpeg() }, async () => {
  const dir = await tempDir('ocr-input-interlaced');
  const source = path.join(dir, 'shot.png');
  await writeFile(source, await renderTextImage(['Invoice 4471 due'], 'image/png'));
  const interlaced = path.join(dir, 'interlaced.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', source, '-flags', '+ildct', interlaced]);
  const bytes = readFileSync(interlaced);
  assert.equal(bytes[8 + 8 + 12], 1, 'ffmpeg wrote an interlaced (Adam7) PNG');
  assert.deepEqual((await prepareImage(interlaced)).ocrInput, bytes);
  const result = await processImage(job(interlaced), recordingContext());
  assert.match(result.ocrText!, /Invoice 4471/, result.ocrText);
});

test('HEIC photos (iPhone) are decoded with libheif wasm and read', { skip: existsSync('/usr/bin/heif-enc') ? false : 'heif-enc (Debian libheif-examples) is not installed — skipped' }, async () => {
  const dir = await tempDir('heic');
  const png = path.join(dir, 'source.png');
  await writeFile(png, await renderTextImage(['Boarding pass LH 2417 gate B22'], 'image/png'));
  const heic = path.join(dir, 'IMG_0042.HEIC');
  execFileSync('heif-enc', ['-q', '90', '-o', heic, png], { stdio: 'ignore' });
  const result = await processImage(job(heic), recordingContext());
  assert.equal(result.metadata.format, 'HEIF');
  assert.match(result.ocrText!, /LH 2417/);
  assert.match(result.ocrText!, /B22/);
});

test('very large images are downscaled before OCR and still read', async () => {
  const dir = await tempDir('large');
  const text = await Jimp.read(await renderTextImage(['Invoice 99812 due 2024-07-01'], 'image/png', 700));
  text.scale(5); // big letters, as on a high-DPI screen
  const canvas = new Jimp({ width: 9000, height: 6000, color: 0xffffffff });
  canvas.composite(text, 200, 200);
  const file = path.join(dir, 'huge.png');
  await writeFile(file, await canvas.getBuffer('image/png'));
  const result = await processImage(job(file), recordingContext());
  assert.equal(result.metadata.downscaled, true);
  assert.deepEqual([result.metadata.width, result.metadata.height], [9000, 6000]);
  assert.match(result.ocrText!, /99812/);
});

test('EXIF DateTime, Make, Model and Software are read into the metadata', async () => {
  const dir = await tempDir('exif');
  const jpeg = (await renderTextImage(['Receipt 4411'], 'image/jpeg')).toString('binary');
  const exif = piexif.dump({ '0th': { [piexif.ImageIFD.Make]: 'Apple', [piexif.ImageIFD.Model]: 'iPhone 15 Pro', [piexif.ImageIFD.Software]: '17.4.1', [piexif.ImageIFD.DateTime]: '2024:05:01 09:30:00' }, Exif: {}, GPS: {} });
  const file = path.join(dir, 'photo.jpg');
  await writeFile(file, Buffer.from(piexif.insert(exif, jpeg), 'binary'));
  const result = await processImage(job(file), recordingContext());
  assert.equal(result.metadata.exif?.Make, 'Apple');
  assert.equal(result.metadata.exif?.Model, 'iPhone 15 Pro');
  assert.equal(result.metadata.exif?.Software, '17.4.1');
  assert.equal(result.metadata.exif?.DateTime, '2024-05-01 09:30:00');
});

test('empty, truncated and random-bytes images fail with a clear message naming the file', async () => {
  const dir = await tempDir('bad');
  const png = await renderTextImage(['hello world'], 'image/png');
  const cases: Record<string, Buffer> = {
    'empty.png': Buffer.alloc(0),
    'random.jpg': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    'truncated.tiff': (await renderTextImage(['hello'], 'image/tiff')).subarray(0, 200),
    'truncated.png': png.subarray(0, Math.floor(png.length / 3)),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    const outcome = await processImage(job(file), recordingContext()).then(
      (r) => `ok: ${r.ocrText}`,
      (e: Error) => e.message,
    );
    assert.match(outcome, new RegExp(name.replace('.', '\\.')), `${name}: ${outcome}`);
    assert.match(outcome, /empty|not a readable image|could not be decoded|corrupt|truncated/, `${name}: ${outcome}`);
  }
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';
import { Jimp } from 'jimp';
import { decodePngGray, decodePngReduced } from '../../src/processors/pngStream';
import { rgbaToGray } from '../../src/processors/pnm';
import { tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const run = promisify(execFile);
const noFfmpeg = (): string | false => ((process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, 'ffmpeg'))) ? false : 'ffmpeg is not installed — skipped');

/** jimp's full decode of the same file, with transparent pixels put on white as the streaming decoder does. */
async function reference(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { bitmap } = await Jimp.read(file);
  const data = Buffer.alloc(bitmap.width * bitmap.height * 4, 255);
  for (let i = 0; i < bitmap.width * bitmap.height; i++) {
    const a = bitmap.data[i * 4 + 3];
    for (let k = 0; k < 3; k++) data[i * 4 + k] = Math.trunc((bitmap.data[i * 4 + k] * a + 255 * (255 - a) + 127) / 255);
  }
  return { data, width: bitmap.width, height: bitmap.height };
}

function maxDifference(a: Buffer, b: Buffer): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test('the streaming PNG decoder matches a full decode for every colour type, bit depth and row filter', { skip: noFfmpeg(), timeout: 120_000 }, async () => {
  const dir = await tempDir('png-kinds');
  const source = path.join(dir, 'source.png');
  // Colour, a gradient and transparency, so every filter type and the alpha paths are exercised.
  const picture = new Jimp({ width: 301, height: 97, color: 0xffffffff });
  picture.composite(await Jimp.read(await renderTextImage(['Mixed 0123 ABC'], 'image/png', 300)), 0, 0);
  picture.scan((x, y, idx) => {
    picture.bitmap.data[idx] = (picture.bitmap.data[idx] + x) & 255;
    picture.bitmap.data[idx + 2] = (picture.bitmap.data[idx + 2] + 2 * y) & 255;
    picture.bitmap.data[idx + 3] = x > 250 ? 128 + (y & 127) : 255;
  });
  await writeFile(source, await picture.getBuffer('image/png'));
  // ffmpeg writes each pixel format as its PNG colour type and depth, with per-row filters (-pred mixed).
  const formats = ['rgb24', 'rgba', 'gray', 'ya8', 'pal8', 'monob', 'gray16be', 'rgb48be', 'rgba64be', 'ya16be'];
  for (const format of formats) {
    const file = path.join(dir, `${format}.png`);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', source, '-pix_fmt', format, '-pred', 'mixed', file]);
    const expected = await reference(file);
    const decoded = await decodePngReduced(await readFile(file), `${format}.png`, expected.width, expected.height);
    assert.deepEqual([decoded.width, decoded.height], [expected.width, expected.height]);
    // 16-bit samples keep their high byte here and may be rounded by jimp: at most one step apart.
    const tolerance = format.includes('16') || format.includes('48') || format.includes('64') ? 1 : 0;
    assert.ok(maxDifference(decoded.data, expected.data) <= tolerance, `${format}: differs by ${maxDifference(decoded.data, expected.data)}`);
    // The gray OCR input, decoded in one piece: the same pixels through leptonica's luminance weights.
    const gray = decodePngGray(await readFile(file), `${format}.png`);
    const expectedGray = rgbaToGray(expected);
    assert.deepEqual([gray?.width, gray?.height, gray?.data.length], [expected.width, expected.height, expected.width * expected.height]);
    let grayDifference = 0;
    for (let i = 0; i < expectedGray.data.length; i++) grayDifference = Math.max(grayDifference, Math.abs(gray!.data[i] - expectedGray.data[i]));
    // With partial alpha, compositing before or after weighting the channels rounds apart by at most one step.
    const grayTolerance = /^(rgba|ya)/.test(format) ? 1 : tolerance;
    assert.ok(grayDifference <= grayTolerance, `${format} gray: differs by ${grayDifference}`);
  }
});

test('downscaling averages each box of pixels; the gray OCR input keeps black and white', async () => {
  const width = 40;
  const height = 30;
  const picture = new Jimp({ width, height, color: 0xffffffff });
  // Left half black: a 4:1 reduction gives 5 black columns, 5 white ones.
  picture.scan((x, _y, idx) => {
    if (x < width / 2) picture.bitmap.data.fill(0, idx, idx + 3);
  });
  const png = await picture.getBuffer('image/png');
  const reduced = await decodePngReduced(png, 'halves.png', 10, 7);
  const column = (x: number) => Array.from({ length: 7 }, (_, y) => reduced.data[(y * 10 + x) * 4]);
  assert.deepEqual([...new Set(column(0)), ...new Set(column(4)), ...new Set(column(5)), ...new Set(column(9))], [0, 0, 255, 255]);
  const gray = rgbaToGray(reduced);
  assert.deepEqual([gray.width, gray.height, gray.data[0], gray.data[9]], [10, 7, 0, 255]);
});

test('a truncated or corrupt PNG fails with a message naming the file', async () => {
  const png = await renderTextImage(['hello world']);
  const idat = png.indexOf('IDAT');
  const cases: Record<string, Buffer> = {
    'cut.png': png.subarray(0, idat + 40),
    'garbled.png': Buffer.concat([png.subarray(0, idat + 8), Buffer.alloc(64, 0x55), png.subarray(idat + 72)]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const message = new RegExp(`^Error: ${name.replace('.', '\\.')} could not be decoded as PNG \\(.+\\) — the file (may be truncated or corrupt|is corrupt)\\.?$`);
    await assert.rejects(decodePngReduced(bytes, name, 100, 10), message);
    assert.throws(() => decodePngGray(bytes, name), message, 'the gray decode for OCR says the same');
  }
});

test('the gray decode leaves to tesseract.js what it cannot do in one piece: interlaced rows, extra data after the rows', async () => {
  const png = await renderTextImage(['hello world']);
  const interlaced = Buffer.from(png);
  interlaced[8 + 8 + 12] = 1; // IHDR's interlace byte (its CRC is not checked)
  assert.equal(decodePngGray(interlaced, 'interlaced.png'), undefined);
  const { bitmap } = await Jimp.read(png);
  const rows = Buffer.alloc((bitmap.width * 4 + 1) * bitmap.height + 100); // all-white rows (filter 0), then 100 extra bytes
  for (let y = 0; y < bitmap.height; y++) rows.fill(255, y * (bitmap.width * 4 + 1) + 1, (y + 1) * (bitmap.width * 4 + 1));
  const idatAt = png.indexOf('IDAT') - 4;
  const idatLength = png.readUInt32BE(idatAt);
  const body = deflateSync(rows);
  const idat = Buffer.alloc(12 + body.length);
  idat.writeUInt32BE(body.length, 0);
  idat.write('IDAT', 4, 'latin1');
  body.copy(idat, 8);
  const padded = Buffer.concat([png.subarray(0, idatAt), idat, png.subarray(idatAt + 12 + idatLength)]);
  assert.equal(decodePngGray(padded, 'padded.png'), undefined);
});

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { crc32, createDeflate } from 'node:zlib';
import { Jimp } from 'jimp';
import type { FileRecord } from '../../src/core/records';
import type { Job } from '../../src/core/job';
import { processImage } from '../../src/processors/image';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { closeSharedOcrEngine, recordingContext } from '../support/processorContext';
import { renderTextImage } from '../support/renderText';

const run = promisify(execFile);
const noFfmpeg = (): string | false => ((process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, 'ffmpeg'))) ? false : 'ffmpeg is not installed — skipped');
const noProc = (): string | false => (existsSync('/proc/self/status') ? false : 'peak memory is read from /proc (Linux only) — skipped');

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: 10, tokenDelayMs: 1 });
});
after(async () => {
  await ollama?.close();
  await closeSharedOcrEngine();
});

let id = 0;
const job = (file: string): Job => ({ id: id++, path: file, kind: 'image', sha256: 'test', size: 0, mtimeMs: 0, cached: {} });

interface Stamp {
  lines: string[];
  x: number;
  y: number;
  /** Each pixel of the rendered text becomes scale x scale pixels: big letters, as on a poster-sized canvas. */
  scale: number;
}

/**
 * Writes a white RGB PNG of any size with rendered text stamped in, one scanline at a time through a streaming
 * deflate, so the test never holds the image (1.2 GB raw at 20000 x 20000). ffmpeg cannot make it: it refuses
 * pictures above about 268 megapixels.
 */
async function writeHugePng(file: string, width: number, height: number, stamps: Stamp[]): Promise<void> {
  const rendered = await Promise.all(stamps.map(async (s) => ({ ...s, bitmap: (await Jimp.read(await renderTextImage(s.lines, 'image/png', 700))).bitmap })));
  const handle = await open(file, 'w');
  const chunk = async (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body, crc32(Buffer.from(type, 'latin1'))) >>> 0, 0);
    await handle.write(Buffer.concat([head, body, crc]));
  };
  try {
    await handle.write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, not interlaced
    await chunk('IHDR', header);
    const deflate = createDeflate({ level: 1 });
    const written = (async () => {
      for await (const data of deflate as AsyncIterable<Buffer>) await chunk('IDAT', data);
    })();
    const white = Buffer.alloc(1 + width * 3, 255);
    white[0] = 0;
    for (let y = 0; y < height; y++) {
      let row = white;
      for (const s of rendered) {
        const sy = Math.floor((y - s.y) / s.scale);
        if (sy < 0 || sy >= s.bitmap.height) continue;
        if (row === white) row = Buffer.from(white);
        for (let sx = 0; sx < s.bitmap.width; sx++) {
          const v = s.bitmap.data[(sy * s.bitmap.width + sx) * 4];
          for (let k = 0; k < s.scale; k++) row.fill(v, 1 + (s.x + sx * s.scale + k) * 3, 1 + (s.x + sx * s.scale + k + 1) * 3);
        }
      }
      if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
    }
    deflate.end();
    await written;
    await chunk('IEND', Buffer.alloc(0));
  } finally {
    await handle.close();
  }
}

/** The highest VmHWM (peak resident memory) seen among the child processes of `parent`, in MB. */
function watchChildrenPeak(parent: number): { stop: () => number } {
  let peak = 0;
  const sample = () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const status = readFileSync(`/proc/${entry}/status`, 'utf8');
        if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) !== parent) continue;
        peak = Math.max(peak, Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024);
      } catch {
        // the process ended between the listing and the read
      }
    }
  };
  const timer = setInterval(sample, 100);
  return { stop: () => (clearInterval(timer), sample(), Math.round(peak)) };
}

test('a 20000 x 20000 PNG is downscaled while it is decoded: its text is read and the worker stays far below 1 GB', { skip: builtMissing() || noProc(), timeout: 600_000 }, async (t) => {
  const dir = await tempDir('huge-png');
  const file = path.join(dir, 'wall poster.png');
  await writeHugePng(file, 20000, 20000, [
    { lines: ['Invoice 99812 due 2024-07-01'], x: 400, y: 300, scale: 6 },
    { lines: ['Order ZX-4417 shipped'], x: 14000, y: 19200, scale: 6 }, // the last rows: the whole image is read
  ]);
  const child = spawn(process.execPath, [CLI_SCRIPT, dir, '--json', '--no-cache', '--no-log', '--workers', '1', '--ollama-host', ollama.url, '--vision-model', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const memory = watchChildrenPeak(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const peakMb = memory.stop();
  assert.equal(code, 0, stderr);
  const record = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as FileRecord).find((r) => r.path === file);
  assert.ok(record, `no record for the poster: ${stdout}`);
  assert.equal(record.status, 'ok', record.error);
  assert.deepEqual([record.metadata.width, record.metadata.height, record.metadata.downscaled], [20000, 20000, true]);
  assert.match(record.ocrText!, /99812/);
  assert.match(record.ocrText!, /ZX-4417/);
  t.diagnostic(`worker peak RSS (VmHWM) for the 20000 x 20000 PNG: ${peakMb} MB`);
  assert.ok(peakMb > 0 && peakMb < 1024, `worker peak RSS ${peakMb} MB`);
});

test('a 16000 x 16000 JPEG is decoded at reduced size by ffmpeg (DCT downscale) and read', { skip: noFfmpeg(), timeout: 300_000 }, async () => {
  const dir = await tempDir('huge-jpeg');
  const text = path.join(dir, 'text.png');
  await writeFile(text, await renderTextImage(['Receipt 55120 Harbor Books'], 'image/png', 700));
  const file = path.join(dir, 'scan.jpg');
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=white:s=16000x16000', '-i', text, '-filter_complex', '[1]scale=iw*6:ih*6:flags=neighbor[t];[0][t]overlay=15000-overlay_w:15000-overlay_h', '-frames:v', '1', '-q:v', '3', file]);
  const result = await processImage(job(file), recordingContext());
  assert.deepEqual([result.metadata.format, result.metadata.width, result.metadata.height, result.metadata.downscaled], ['JPG', 16000, 16000, true]);
  assert.match(result.ocrText!, /55120/);
});

test('images whose decoding cannot be bounded are refused with a message naming the size and the fix', async () => {
  const dir = await tempDir('bombs');
  // Headers only: the refusal comes before any decoding, as it must for a decompression bomb.
  const pngHeader = (width: number, height: number, interlace: 0 | 1) => {
    const png = Buffer.alloc(8 + 25 + 12);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    png.writeUInt32BE(13, 8);
    png.write('IHDR', 12, 'latin1');
    png.writeUInt32BE(width, 16);
    png.writeUInt32BE(height, 20);
    png.set([8, 2, 0, 0, interlace], 24);
    png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
    png.write('IEND', 37, 'latin1');
    return png;
  };
  const jpeg = await renderTextImage(['small'], 'image/jpeg');
  const frame = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(30000, frame + 5); // the frame header's height and width: a real JPEG that claims 30000 x 30000
  jpeg.writeUInt16BE(30000, frame + 7);
  const cases = {
    'interlaced.png': [pngHeader(10000, 10000, 1), /interlaced\.png is 10000x10000 pixels \(100 megapixels\), more than can be decoded safely as PNG \(at most 60 megapixels\) — save it as a non-interlaced PNG/],
    'bomb.png': [pngHeader(50000, 50000, 0), /bomb\.png is 50000x50000 pixels \(2500 megapixels\), more than can be summarized \(at most 1000 megapixels and 200000 pixels a side\) — save a smaller copy/],
    'ribbon.png': [pngHeader(900_000, 2, 0), /ribbon\.png is 900000x2 pixels \(2 megapixels\), more than can be summarized/],
    'bomb.jpg': [jpeg, /bomb\.jpg is 30000x30000 pixels \(900 megapixels\), more than can be decoded safely as JPG .* — save a smaller copy/],
  } as const;
  for (const [name, [bytes, expected]] of Object.entries(cases)) {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    const context = recordingContext();
    await assert.rejects(processImage(job(file), context), expected);
    assert.match(context.saved.extract?.error ?? '', expected, 'the refusal is cached: the same bytes are refused the same way');
  }
});

/**
 * The evaluation set made into files: screenshots rendered with jimp's font, a textless "photo" (a drawn landscape),
 * and — when espeak-ng and ffmpeg are installed — a voice memo of synthetic speech and a screen recording of a
 * slide with speech. Programs run with argument arrays; every path and text is the set's own.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Jimp, loadFont } from 'jimp';
import { SANS_32_BLACK } from 'jimp/fonts';
import { findOnPath, resolveFfmpeg } from '../processors/media/ffmpeg';
import { EVAL_ITEMS, type EvalItem } from './evalSet';

const run = promisify(execFile);

export interface EvalFiles {
  made: Array<{ item: EvalItem; file: string }>;
  /** Items not made here, with why (no espeak-ng, no ffmpeg). */
  skipped: Array<{ item: EvalItem; reason: string }>;
}

async function screenshot(lines: readonly string[]): Promise<Buffer> {
  const font = await loadFont(SANS_32_BLACK);
  const image = new Jimp({ width: 1000, height: 40 + lines.length * 48, color: 0xffffffff });
  lines.forEach((text, i) => image.print({ font, x: 24, y: 20 + i * 48, text }));
  return image.getBuffer('image/png');
}

/** A landscape without a letter in it: sky, sun, hills. */
function photo(): Promise<Buffer> {
  const width = 640;
  const height = 420;
  const image = new Jimp({ width, height, color: 0xffffffff });
  image.scan(0, 0, width, height, (x, y, index) => {
    const hill = y > 280 + 40 * Math.sin(x / 90);
    const sun = (x - 480) ** 2 + (y - 110) ** 2 < 45 ** 2;
    const [r, g, b] = hill ? [60 + (y % 7), 140 + ((x * y) % 23), 60] : sun ? [250, 210, 60] : [120 + y / 6, 170 + y / 8, 235];
    image.bitmap.data.set([r, g, b, 255], index);
  });
  return image.getBuffer('image/png');
}

async function speech(espeak: string, text: string, file: string): Promise<void> {
  // 16 kHz mono is what whisper reads; espeak-ng writes 22 kHz, which the pipeline converts like any recording.
  await run(espeak, ['-v', 'en-us', '-s', '150', '-w', file, text], { timeout: 60_000 });
}

export async function makeEvalFiles(folder: string, items: readonly EvalItem[] = EVAL_ITEMS): Promise<EvalFiles> {
  await mkdir(folder, { recursive: true });
  const espeak = await findOnPath('espeak-ng', process.env);
  const ffmpeg = await resolveFfmpeg().catch(() => undefined);
  const files: EvalFiles = { made: [], skipped: [] };
  // Beside the folder, not in it: the run must see only the set.
  const scratch = `${folder}.scratch`;
  for (const item of items) {
    const file = path.join(folder, item.fileName);
    if (item.kind === 'screenshot') await writeFile(file, await screenshot(item.lines ?? []));
    else if (item.kind === 'photo') await writeFile(file, await photo());
    else if (!espeak) {
      files.skipped.push({ item, reason: 'espeak-ng is not installed (Debian: apt-get install espeak-ng)' });
      continue;
    } else if (item.kind === 'voice memo') await speech(espeak, item.speech ?? '', file);
    else {
      if (!ffmpeg) {
        files.skipped.push({ item, reason: 'ffmpeg is not installed' });
        continue;
      }
      await mkdir(scratch, { recursive: true });
      const slide = path.join(scratch, `${item.id}.png`);
      const voice = path.join(scratch, `${item.id}.wav`);
      await writeFile(slide, await screenshot(item.lines ?? []));
      await speech(espeak, item.speech ?? '', voice);
      await run(ffmpeg, ['-v', 'error', '-y', '-loop', '1', '-i', slide, '-i', voice, '-c:v', 'libx264', '-tune', 'stillimage', '-pix_fmt', 'yuv420p', '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:a', 'aac', '-shortest', file], { timeout: 120_000 });
    }
    files.made.push({ item, file });
  }
  return files;
}

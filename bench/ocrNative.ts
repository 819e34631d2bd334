/**
 * Native tesseract for bench/ocr.ts: warm cost per image with start-up taken out, CPU seconds of the child,
 * and the text of each image (tesseract puts a form feed between the pages of a list).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NativeModel {
  /** Shown in the tables, e.g. "best_int" or "Debian eng". */
  label: string;
  /** --tessdata-dir, or undefined for tesseract's own default (the distribution's tessdata). */
  tessdataDir?: string;
}

export interface Timing {
  wall: number;
  cpu: number;
}

/** The folder tesseract reads its language data from by default, from `tesseract --list-langs`. */
export async function defaultTessdataDir(): Promise<string | undefined> {
  try {
    const { stdout } = await run('tesseract', ['--list-langs']);
    const dir = /"(.+?)\/?"/.exec(stdout)?.[1];
    return dir && existsSync(path.join(dir, 'eng.traineddata')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/*
 * CPU seconds of waited-for children (cutime + cstime in /proc/self/stat, in clock ticks of 1/100 s on Linux):
 * on a shared, loaded machine CPU time moves far less than wall time, so both are reported.
 */
function childrenCpuSeconds(): number {
  if (!existsSync('/proc/self/stat')) return Number.NaN;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Runs one tesseract process over a list file of images, as one warm process would: timing and page texts. */
async function runList(model: NativeModel, psm: number, listFile: string): Promise<{ timing: Timing; pages: string[] }> {
  const args = [...(model.tessdataDir ? ['--tessdata-dir', model.tessdataDir] : []), listFile, 'stdout', '-l', 'eng', '--oem', '1', '--psm', String(psm)];
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const { stdout } = await run('tesseract', args, { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 1 << 26 });
  const timing = { wall: (performance.now() - started) / 1000, cpu: childrenCpuSeconds() - cpuBefore };
  return { timing, pages: stdout.split('\f') };
}

/** Extra passes over the images in the long run: start-up jitter (±0.2 s) is divided by this many passes. */
const EXTRA_PASSES = 4;

/**
 * Warm seconds per image: one process over the images 1 + EXTRA_PASSES times minus one process over them once,
 * divided by the images measured — model loading and process start-up cancel out, as they do for the warm
 * tesseract.js engine. (With a single extra pass the start-up jitter alone moved the result by 50%.)
 */
export async function nativeWarm(model: NativeModel, psm: number, files: string[], dir: string): Promise<{ perImage: Timing; pages: string[] }> {
  const once = path.join(dir, 'once.txt');
  const repeated = path.join(dir, 'repeated.txt');
  await writeFile(once, files.join('\n'));
  await writeFile(repeated, Array.from({ length: 1 + EXTRA_PASSES }, () => files.join('\n')).join('\n'));
  const single = await runList(model, psm, once);
  const long = await runList(model, psm, repeated);
  const measured = files.length * EXTRA_PASSES;
  const perImage = { wall: (long.timing.wall - single.timing.wall) / measured, cpu: (long.timing.cpu - single.timing.cpu) / measured };
  return { perImage, pages: single.pages };
}

/** One process for one image, as a command line run per file would: start-up and model load included. */
export async function nativeCold(model: NativeModel, psm: number, file: string): Promise<Timing> {
  const args = [...(model.tessdataDir ? ['--tessdata-dir', model.tessdataDir] : []), file, 'stdout', '-l', 'eng', '--oem', '1', '--psm', String(psm)];
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  await run('tesseract', args, { env: { ...process.env, OMP_THREAD_LIMIT: '1' } });
  return { wall: (performance.now() - started) / 1000, cpu: childrenCpuSeconds() - cpuBefore };
}

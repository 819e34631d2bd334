/**
 * The measurement behind bench/ocr.ts: warm tesseract.js engines and warm native tesseract on the same images,
 * interleaved round by round (the machine is shared and noisy, so a burst of load hits every contender alike),
 * medians over the rounds, wall and CPU seconds, character error rate against the ground truth.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { prepareImage } from '../src/processors/imageInput';
import type { OcrEngine } from '../src/processors/ocrEngine';
import { cleanOcrText } from '../src/processors/ocrText';
import { characterErrorRate } from '../test/support/cer';
import { tempDir } from '../test/support/paths';
import { nativeCold, nativeWarm, type NativeModel, type Timing } from './ocrNative';

export interface Sample {
  name: string;
  file: string;
  truth: string;
}

export interface EngineUnderTest {
  label: string;
  engine: OcrEngine;
}

export interface Contender {
  label: string;
  /** Median over the rounds of the mean per image. */
  perImage: Timing;
  /** The mean per image in each round, in round order (ratios are taken round by round: see ratioByRound). */
  rounds: Timing[];
  meanCer: number;
  cer: Record<string, number>;
}

export interface Comparison {
  rounds: number;
  images: number;
  /** Reading the file and making what the worker hands tesseract.js (identify, EXIF, gray PGM): included in the tesseract.js times. */
  preparePerImage: Timing;
  engines: Contender[];
  natives: Contender[];
  /** One native process per image (start-up and model load included), first model, first round. */
  nativeColdPerImage?: Timing;
  perImage: Array<Record<string, string | number>>;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;
const round3 = (value: number) => Number(value.toFixed(3));

export async function compareOcr(options: { samples: Sample[]; engines: EngineUnderTest[]; natives: NativeModel[]; psm: number; rounds: number }): Promise<Comparison> {
  const { samples, engines, natives, psm, rounds } = options;
  const inputs = new Map<string, Buffer>();
  const prepare: Timing[] = [];
  for (const sample of samples) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    inputs.set(sample.name, (await prepareImage(sample.file)).ocrInput);
    prepare.push({ wall: (performance.now() - started) / 1000, cpu: cpuSeconds(process.cpuUsage(cpu)) });
  }
  // Warm-up, untimed: V8 first compiles wasm with its baseline compiler and optimizes the hot functions as they
  // run; native tesseract's warm figure likewise leaves out its start-up.
  for (const { engine } of engines) for (const sample of samples) await engine.recognize(inputs.get(sample.name)!);

  const jsTimes = engines.map(() => new Map<string, Timing[]>());
  const jsTexts = engines.map(() => new Map<string, string>());
  const nativeTimes = natives.map((): Timing[] => []);
  const nativeTexts = natives.map(() => new Map<string, string>());
  const listDir = await tempDir('bench-ocr-lists');
  const files = samples.map((s) => s.file);

  const runEngines = async () => {
    for (const sample of samples) {
      // Each image goes through every engine back to back, so a burst of load hits them alike.
      for (const [i, { engine }] of engines.entries()) {
        const started = performance.now();
        const cpu = process.cpuUsage(); // the whole process: tesseract.js recognizes on a worker thread of it
        // Timed from the file, as a worker goes: reading and preparing the input (a gray PGM for PNG) is
        // part of the cost, as native tesseract's own decoding is part of its.
        const text = await engine.recognize((await prepareImage(sample.file)).ocrInput);
        const timing = { wall: (performance.now() - started) / 1000, cpu: cpuSeconds(process.cpuUsage(cpu)) };
        jsTimes[i].set(sample.name, [...(jsTimes[i].get(sample.name) ?? []), timing]);
        if (!jsTexts[i].has(sample.name)) jsTexts[i].set(sample.name, text);
      }
    }
  };
  const runNatives = async () => {
    for (const [i, model] of natives.entries()) {
      const { perImage, pages } = await nativeWarm(model, psm, files, listDir);
      nativeTimes[i].push(perImage);
      samples.forEach((sample, k) => {
        if (!nativeTexts[i].has(sample.name)) nativeTexts[i].set(sample.name, cleanOcrText(pages[k] ?? ''));
      });
    }
  };
  for (let round = 0; round < rounds; round++) {
    // Alternate who goes first, so neither side always runs right after the other has heated the caches.
    if (round % 2 === 0) await runEngines().then(runNatives);
    else await runNatives().then(runEngines);
  }

  const cerOf = (texts: Map<string, string>) => Object.fromEntries(samples.map((s) => [s.name, round3(characterErrorRate(texts.get(s.name) ?? '', s.truth))]));
  const meanOf = (cer: Record<string, number>) => Number((Object.values(cer).reduce((a, b) => a + b, 0) / samples.length).toFixed(4));
  const engineResults: Contender[] = engines.map(({ label }, i) => {
    // Per round: the mean over the images; then the median round.
    const byRound = Array.from({ length: rounds }, (_, r) => {
      const mean = (key: keyof Timing) => samples.reduce((sum, s) => sum + jsTimes[i].get(s.name)![r][key], 0) / samples.length;
      return { wall: mean('wall'), cpu: mean('cpu') };
    });
    const cer = cerOf(jsTexts[i]);
    const perImage = { wall: round3(median(byRound.map((t) => t.wall))), cpu: round3(median(byRound.map((t) => t.cpu))) };
    return { label, perImage, rounds: byRound, meanCer: meanOf(cer), cer };
  });
  const nativeResults: Contender[] = natives.map(({ label }, i) => {
    const cer = cerOf(nativeTexts[i]);
    return { label, perImage: { wall: round3(median(nativeTimes[i].map((t) => t.wall))), cpu: round3(median(nativeTimes[i].map((t) => t.cpu))) }, rounds: nativeTimes[i], meanCer: meanOf(cer), cer };
  });

  let nativeColdPerImage: Timing | undefined;
  const cold = new Map<string, Timing>();
  if (natives.length > 0) {
    for (const sample of samples) cold.set(sample.name, await nativeCold(natives[0], psm, sample.file));
    const mean = (key: keyof Timing) => round3([...cold.values()].reduce((sum, t) => sum + t[key], 0) / samples.length);
    nativeColdPerImage = { wall: mean('wall'), cpu: mean('cpu') };
  }

  const perImage = samples.map((sample) => {
    const row: Record<string, string | number> = { image: sample.name, bytes: (inputs.get(sample.name) ?? Buffer.alloc(0)).length };
    engines.forEach(({ label }, i) => {
      row[`${label} s`] = round3(median(jsTimes[i].get(sample.name)!.map((t) => t.wall)));
      row[`${label} CER`] = engineResults[i].cer[sample.name];
    });
    natives.forEach(({ label }, i) => (row[`native ${label} CER`] = nativeResults[i].cer[sample.name]));
    if (cold.has(sample.name)) row['native 1 process s'] = round3(cold.get(sample.name)!.wall);
    return row;
  });
  const prepareMean = (key: keyof Timing) => round3(prepare.reduce((sum, t) => sum + t[key], 0) / prepare.length);
  return { rounds, images: samples.length, preparePerImage: { wall: prepareMean('wall'), cpu: prepareMean('cpu') }, engines: engineResults, natives: nativeResults, nativeColdPerImage, perImage };
}

/**
 * a / b taken within each round, where both were measured minutes apart at most, then the median and the
 * range over the rounds: this machine's speed drifts by up to 20% over minutes, which a ratio of the two
 * overall medians would carry.
 */
export function ratioByRound(a: Contender, b: Contender): { wall: number; cpu: number; wallRange: [number, number] } {
  const ratios = (key: keyof Timing) => a.rounds.map((t, r) => t[key] / b.rounds[r][key]);
  const wall = ratios('wall');
  const round2 = (value: number) => Number(value.toFixed(2));
  return { wall: round2(median(wall)), cpu: round2(median(ratios('cpu'))), wallRange: [round2(Math.min(...wall)), round2(Math.max(...wall))] };
}

/** The shared fixtures that have ground truth (none when the folder is absent: the caller says so). */
export async function fixtureSamples(fixturesDir: string): Promise<Sample[]> {
  if (!existsSync(fixturesDir)) return [];
  const expected = JSON.parse(await readFile(path.join(fixturesDir, 'expected.json'), 'utf8')).texts as Record<string, string>;
  return Object.entries(expected).map(([name, truth]) => ({ name, file: path.join(fixturesDir, name), truth }));
}

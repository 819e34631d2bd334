import { existsSync } from 'node:fs';
import path from 'node:path';
import { asFfmpegInput, runFfmpeg, type RunOptions } from './ffmpeg';

/** Whisper wants 16 kHz mono 16-bit PCM. `maxSeconds` bounds the work on very long recordings. */
export async function extractWav(ffmpeg: string, input: string, output: string, maxSeconds: number | undefined, options: RunOptions): Promise<void> {
  const limit = maxSeconds ? ['-t', String(maxSeconds)] : [];
  await runFfmpeg(ffmpeg, ['-loglevel', 'error', '-y', '-i', asFfmpegInput(input), ...limit, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', asFfmpegInput(output)], options);
}

/**
 * When frames are taken: every `interval` seconds, but never more than `maxFrames`; a long video gets its
 * frames spread over its whole length instead, so text that appears late is still seen.
 */
export function frameTimes(durationSeconds: number, interval: number, maxFrames: number): number[] {
  if (!(durationSeconds > 0)) return [0];
  const step = Math.max(interval, durationSeconds / maxFrames);
  const times: number[] = [];
  for (let t = Math.min(0.5, durationSeconds / 2); t < durationSeconds && times.length < maxFrames; t += step) times.push(Number(t.toFixed(3)));
  return times;
}

/** Frames wider than this are scaled down: OCR needs no more, and PNG encoding time grows with area. */
const MAX_FRAME_WIDTH = 1920;

/** One PNG per timestamp, each with an input seek (fast, bounded work however long the video is). */
export async function extractFrame(ffmpeg: string, input: string, seconds: number, outputDir: string, index: number, options: RunOptions): Promise<string | undefined> {
  const output = path.join(outputDir, `frame-${String(index).padStart(3, '0')}.png`);
  const scale = `scale='min(${MAX_FRAME_WIDTH},iw)':-2`;
  await runFfmpeg(ffmpeg, ['-loglevel', 'error', '-y', '-ss', String(seconds), '-i', asFfmpegInput(input), '-frames:v', '1', '-vf', scale, '-update', '1', asFfmpegInput(output)], options);
  return existsSync(output) ? output : undefined; // a seek near the end can yield no frame
}

import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { renderTextImage } from './renderText';

const run = promisify(execFile);

export interface Slide {
  lines: string[];
  seconds: number;
}

/**
 * A screen-recording-like video made with the real ffmpeg: slides of rendered text shown one after another,
 * with an optional audio track (a WAV file, or a tone), H.264 in the container the extension names.
 */
export async function makeSlideVideo(ffmpeg: string, file: string, slides: Slide[], audio?: string | 'tone'): Promise<void> {
  const dir = path.dirname(file);
  const inputs: string[] = [];
  for (const [i, slide] of slides.entries()) {
    const png = path.join(dir, `.slide-${i}-${path.basename(file)}.png`);
    await writeFile(png, await renderTextImage(slide.lines, 'image/png', 960));
    inputs.push('-loop', '1', '-framerate', '5', '-t', String(slide.seconds), '-i', png);
  }
  const total = slides.reduce((sum, s) => sum + s.seconds, 0);
  // Every slide padded to one size, so slides with different line counts can be concatenated.
  const pads = slides.map((_, i) => `[${i}:v]scale=960:-2,pad=960:400:0:0:white,setsar=1[s${i}]`).join(';');
  const concat = `${slides.map((_, i) => `[s${i}]`).join('')}concat=n=${slides.length}:v=1:a=0,format=yuv420p[v]`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', ...inputs];
  const audioArgs: string[] = [];
  if (audio === 'tone') {
    args.push('-f', 'lavfi', '-t', String(total), '-i', 'sine=frequency=440:sample_rate=16000');
    audioArgs.push('-map', `${slides.length}:a`, '-c:a', 'aac');
  } else if (audio) {
    args.push('-i', audio);
    audioArgs.push('-map', `${slides.length}:a`, '-c:a', 'aac', '-af', 'apad');
  }
  await run(ffmpeg, [...args, '-filter_complex', `${pads};${concat}`, '-map', '[v]', ...audioArgs, '-t', String(total), '-c:v', 'libx264', '-preset', 'ultrafast', '-r', '5', file]);
}

/** An audio file in any format ffmpeg can write, converted from a WAV (e.g. the jfk.wav fixture). */
export async function convertAudio(ffmpeg: string, source: string, file: string): Promise<void> {
  await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-i', source, file]);
}

/** A silent video of `seconds` (a two-hour one encodes in seconds at 1 fps and 64x64). */
export async function makeSilentVideo(ffmpeg: string, file: string, seconds: number, withAudio = true): Promise<void> {
  const audio = withAudio ? ['-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono'] : [];
  await run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=64x64:r=1', ...audio, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', ...(withAudio ? ['-c:a', 'aac', '-b:a', '16k'] : []), file]);
}

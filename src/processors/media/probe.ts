import { asFfmpegInput, FfmpegError, runFfmpeg, type RunOptions } from './ffmpeg';
import { MediaContentError } from '../imageInput';

export interface MediaProbe {
  /** ffmpeg's demuxer names for the container, e.g. ["mov", "mp4", "m4a", "3gp", "3g2", "mj2"]. */
  containers: string[];
  durationSeconds?: number;
  video?: { codec: string; width?: number; height?: number };
  audio?: { codec: string };
}

/**
 * Reads container, duration and streams with ffmpeg itself (ffmpeg-static ships no ffprobe): `-t 0 -f null`
 * opens the input, prints its description to stderr and writes nothing. The caller passes a path without
 * control characters (a private link), so a hostile file name cannot forge lines of this output.
 */
export async function probeMedia(ffmpeg: string, file: string, displayName: string, options: RunOptions = {}): Promise<MediaProbe> {
  let stderr: string;
  try {
    stderr = await runFfmpeg(ffmpeg, ['-i', asFfmpegInput(file), '-t', '0', '-f', 'null', '-'], options);
  } catch (error) {
    if (!(error instanceof FfmpegError)) throw error;
    throw new MediaContentError(`${displayName} is not a readable media file (${error.message}) — the file may be truncated or corrupt.`);
  }
  return parseProbe(stderr, displayName);
}

/** The format to show: the file's own extension when the container matches it (M4A, not "mov"), else the demuxer. */
export function formatLabel(probe: MediaProbe, fileName: string): string {
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  const known = probe.containers.includes(extension) || (extension === 'mkv' && probe.containers.includes('matroska'));
  return (known ? extension : probe.containers[0]).toUpperCase();
}

export function parseProbe(stderr: string, displayName: string): MediaProbe {
  const input = /^Input #0, ((?:[\w-]+,)*[\w-]+), from /m.exec(stderr);
  if (!input) throw new MediaContentError(`${displayName} is not a readable media file — ffmpeg found no input streams.`);
  const probe: MediaProbe = { containers: input[1].split(',') };
  const duration = /^\s+Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/m.exec(stderr);
  if (duration) probe.durationSeconds = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
  for (const match of stderr.matchAll(/^\s+Stream #0:\d+[^:]*: (Video|Audio): ([^\s,]+)([^\n]*)/gm)) {
    const [, type, codec, rest] = match;
    if (type === 'Video' && !probe.video && !/\(attached pic\)/.test(rest)) {
      const size = /, (\d{2,5})x(\d{2,5})/.exec(rest);
      probe.video = { codec, width: size ? Number(size[1]) : undefined, height: size ? Number(size[2]) : undefined };
    } else if (type === 'Audio' && !probe.audio) {
      probe.audio = { codec };
    }
  }
  if (!probe.video && !probe.audio) throw new MediaContentError(`${displayName} has no audio or video stream.`);
  return probe;
}

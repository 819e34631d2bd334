import { readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from '../core/bytePaths';
import type { ExtractResult, Job, JobResult, Transcript } from '../core/job';
import type { Problem } from '../core/problems';
import { describeMetadata, type MediaMetadata } from '../core/records';
import { scratchFolder } from '../core/scratch';
import type { ProcessorContext } from './context';
import { stageTimer } from './stageTimer';
import { MediaContentError } from './imageInput';
import { extractFrame, extractWav, frameTimes } from './media/extract';
import { collapseFrameTexts, formatTimestamp } from './media/frameText';
import { formatLabel, probeMedia } from './media/probe';
import { describeImage, finishWithSummary } from './summarize';
import { WhisperError, type WhisperErrorCode } from './whisper/errors';

/** At most this many frames are described by a vision model: spread over the video, first to last. */
const MAX_VISION_FRAMES = 3;

/**
 * Videos and audio files: probe (ffmpeg) → frames OCR'd by the warm tesseract.js (video) → transcript
 * (whisper.cpp) → a vision description of a few frames → one summary. Each stage is cached on its own.
 * All the work happens in a private temporary folder; ffmpeg and whisper-cli only ever see paths made here.
 */
/** What is missing on this machine, not wrong with the file: the speech model, whisper-cli or what builds it. */
const SETUP_PROBLEMS = new Set<WhisperErrorCode>(['tools-missing', 'build-failed', 'cli-missing', 'not-built', 'model-missing', 'model-unknown', 'download-failed']);

export async function processAudioVisual(job: Job, context: ProcessorContext): Promise<JobResult> {
  const { timings, timed } = stageTimer();
  const name = path.basename(job.path);
  const workDir = await scratchFolder('media');
  try {
    const input = await safeInputPath(job.path, workDir);
    const ffmpeg = await context.ffmpeg();
    const run = { signal: context.signal, timeoutMs: 10 * 60_000 };
    let frames: Array<{ seconds: number; file: string }> | undefined;
    const grabFrames = async (metadata: MediaMetadata) => {
      if (frames) return frames;
      context.stage('frames');
      const times = frameTimes(metadata.durationSeconds ?? 0, context.media.frameIntervalSeconds, context.media.maxFrames);
      frames = [];
      for (const [index, seconds] of times.entries()) {
        const file = await timed('frames', () => extractFrame(ffmpeg, input, seconds, workDir, index, run));
        if (file) frames.push({ seconds, file });
      }
      return frames;
    };

    let extract: ExtractResult | undefined = job.cached.extract;
    if (!extract) {
      try {
        context.stage('metadata');
        const probe = await timed('probe', () => probeMedia(ffmpeg, input, name, run));
        const metadata: MediaMetadata = {
          format: formatLabel(probe, name),
          sizeBytes: job.size,
          durationSeconds: probe.durationSeconds,
          width: probe.video?.width,
          height: probe.video?.height,
          videoCodec: probe.video?.codec,
          audioCodec: probe.audio?.codec,
        };
        let text = '';
        if (job.kind === 'video' && probe.video) {
          const grabbed = await grabFrames(metadata);
          context.stage('ocr');
          const engine = await context.ocr();
          const texts = [];
          for (const frame of grabbed) {
            const frameText = await timed('ocr', async () => engine.recognize(await readFile(frame.file)).catch(() => ''));
            texts.push({ seconds: frame.seconds, text: frameText });
          }
          text = collapseFrameTexts(texts);
        }
        extract = { text, metadata };
      } catch (error) {
        if (error instanceof MediaContentError) await context.saveExtract({ text: '', metadata: {}, error: error.message });
        throw error;
      }
      await context.saveExtract(extract);
    }
    if (extract.error) throw new MediaContentError(extract.error);
    const metadata = extract.metadata;

    let transcript: Transcript | undefined = job.cached.transcript;
    let speechMissing: Problem | undefined;
    if (!transcript && metadata.audioCodec) {
      context.stage('transcribe');
      const wav = path.join(workDir, 'audio.wav');
      await timed('audio', () => extractWav(ffmpeg, input, wav, context.media.maxTranscribeSeconds, run));
      try {
        transcript = await timed('transcribe', () => context.transcribe(wav));
        await context.saveTranscript(transcript);
      } catch (error) {
        // A video's frames still say what it shows: without the speech tools it is summarized from them, and
        // the record says what is missing. A recording that is only audio has nothing else to go on.
        if (!(error instanceof WhisperError) || !SETUP_PROBLEMS.has(error.code) || job.kind !== 'video' || !metadata.videoCodec) throw error;
        speechMissing = { ...error.problem, message: `Summarized from its frames only, without its speech: ${error.problem.message}` };
      }
    }
    if (context.media.maxTranscribeSeconds && (metadata.durationSeconds ?? 0) > context.media.maxTranscribeSeconds) {
      metadata.transcribedSeconds = context.media.maxTranscribeSeconds;
    }

    const base = { metadata, ocrText: extract.text || undefined, transcript: transcript?.text, ...(transcript?.language && transcript.text ? { spokenLanguage: transcript.language } : {}), timings };
    let llmCalls = 0;
    let visionText = job.cached.vision;
    if (visionText === undefined && job.kind === 'video' && metadata.videoCodec && context.ollama.visionModel && context.ollama.available) {
      const grabbed = pickSpread(await grabFrames(metadata), MAX_VISION_FRAMES);
      context.stage('vision');
      const descriptions: string[] = [];
      for (const frame of grabbed) {
        llmCalls++;
        const image = (await readFile(frame.file)).toString('base64');
        const described = await timed('vision', () => describeImage(image, context.ollama, context.signal, (model, request) => context.withLlmSlot(model, request)));
        if (!described.ok) return { status: 'pending', ...base, problem: described.problem, llmCalls };
        descriptions.push(`[${formatTimestamp(frame.seconds)}] ${described.value}`);
      }
      visionText = descriptions.join('\n');
      await context.saveVision(visionText);
    }

    const material = { fileName: name, kind: job.kind, metadata: describeMetadata(metadata), ocrText: extract.text, visionText, transcript: transcript?.text, spokenLanguage: transcript?.language };
    return await finishWithSummary(context, material, { ...base, visionText }, llmCalls, timed, [], speechMissing);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * A link with a fixed name to the user's file, so no tool ever sees the user's file name: not in an argument,
 * not echoed back in output we parse. Windows file names cannot hold the control characters that would matter,
 * and links there need privileges, so the real path is used.
 */
async function safeInputPath(file: string, workDir: string): Promise<string> {
  if (process.platform === 'win32') return path.resolve(file);
  const link = path.join(workDir, `input${path.extname(file).toLowerCase().replace(/[^.a-z0-9]/g, '')}`);
  await symlink(fsPath(path.resolve(file)), link);
  return link;
}

function pickSpread<T>(items: T[], count: number): T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]);
}

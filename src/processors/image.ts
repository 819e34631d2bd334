import path from 'node:path';
import type { ExtractResult } from '../core/job';
import { describeMetadata } from '../core/records';
import type { Processor } from './context';
import { stageTimer } from './stageTimer';
import { MediaContentError, prepareImage, type PreparedImage } from './imageInput';
import { describeImage, finishWithSummary } from './summarize';

/** Screenshots and photos: metadata + OCR (cached), an optional vision description, then the summary. */
export const processImage: Processor = async (job, context) => {
  const { timings, timed } = stageTimer();
  let llmCalls = 0;
  let prepared: PreparedImage | undefined;
  const prepare = async () => (prepared ??= await timed('decode', () => prepareImage(job.path, { ffmpeg: () => context.ffmpeg() })));

  let extract: ExtractResult | undefined = job.cached.extract;
  if (!extract) {
    try {
      context.stage('metadata');
      const image = await prepare();
      context.stage('ocr');
      const engine = await context.ocr();
      const text = await timed('ocr', () =>
        engine.recognize(image.ocrInput).catch((error: Error) => {
          throw new MediaContentError(`${path.basename(job.path)} could not be read by OCR (${error.message}) — the file may be truncated or corrupt.`);
        }),
      );
      extract = { text, metadata: image.metadata };
    } catch (error) {
      // Unreadable content fails the same way every time: remember it, so re-runs do not redo the work.
      if (error instanceof MediaContentError) await context.saveExtract({ text: '', metadata: {}, error: error.message });
      throw error;
    }
    await context.saveExtract(extract);
  }
  if (extract.error) throw new MediaContentError(extract.error);

  const base = { metadata: extract.metadata, ocrText: extract.text, timings };
  let visionText = job.cached.vision;
  if (visionText === undefined && context.ollama.visionModel && context.ollama.available) {
    context.stage('vision');
    const image = await prepare();
    llmCalls++;
    const described = await timed('vision', async () => describeImage(await image.visionInput(), context.ollama, context.signal, (request) => context.withLlmSlot(request)));
    if (!described.ok) return { status: 'pending', ...base, problem: described.problem, llmCalls };
    visionText = described.value;
    await context.saveVision(visionText);
  }

  const material = { fileName: path.basename(job.path), kind: 'image', metadata: describeMetadata(extract.metadata), ocrText: extract.text, visionText };
  return finishWithSummary(context, material, { ...base, visionText }, llmCalls, timed);
};

import path from 'node:path';
import type { ExtractResult } from '../core/job';
import { sameModel } from '../core/modelNames';
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
  const materialWith = (visionText?: string) => ({ fileName: path.basename(job.path), kind: 'image', metadata: describeMetadata(extract.metadata), ocrText: extract.text, visionText });
  const { model, visionModel, available } = context.ollama;
  let visionText = job.cached.vision;
  if (visionText === undefined && visionModel && available) {
    const image = await (await prepare()).visionInput();
    prepared = undefined; // while it waits for the LLM, a file holds only what it will send
    if (sameModel(visionModel, model)) {
      // The summary model sees: one request with the image and the text makes the summary (no description, no swap).
      return finishWithSummary(context, materialWith(), base, 0, timed, [image]);
    }
    context.stage('vision');
    llmCalls++;
    const described = await timed('vision', () => describeImage(image, context.ollama, context.signal, (name, request) => context.withLlmSlot(name, request)));
    if (!described.ok) return { status: 'pending', ...base, problem: described.problem, llmCalls };
    visionText = described.value;
    await context.saveVision(visionText);
  }
  prepared = undefined;
  return finishWithSummary(context, materialWith(visionText), { ...base, visionText }, llmCalls, timed);
};

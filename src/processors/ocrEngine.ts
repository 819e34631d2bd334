import path from 'node:path';
import { createWorker, OEM, type Worker } from 'tesseract.js';
import { cleanOcrText } from './ocrText';

export interface OcrEngine {
  /** Recognizes an encoded image (PNG, JPEG, BMP, WebP, GIF) and returns cleaned text. */
  recognize(image: Buffer): Promise<string>;
  terminate(): Promise<void>;
}

/*
 * Everything tesseract.js needs is resolved from disk at run time (tesseract.js stays outside the esbuild
 * bundle and ships in node_modules), so it never reaches for its CDN defaults: the worker script, the wasm core
 * it requires, and the English LSTM data from @tesseract.js-data/eng (best_int: the fast integer model).
 */
export function tesseractPaths(): { workerPath: string; langPath: string } {
  return {
    workerPath: require.resolve('tesseract.js/src/worker-script/node/index.js'),
    langPath: path.dirname(require.resolve('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz')),
  };
}

/** A warm tesseract.js worker: loaded once per worker process, reused for every image and frame. */
export async function createOcrEngine(): Promise<OcrEngine> {
  const { workerPath, langPath } = tesseractPaths();
  let worker: Worker;
  try {
    // Without an errorHandler tesseract.js rethrows a failed job from its message handler, which would take the
    // whole process down; the job's own promise already carries the error.
    worker = await createWorker('eng', OEM.LSTM_ONLY, { workerPath, langPath, gzip: true, cacheMethod: 'none', errorHandler: () => undefined });
  } catch (error) {
    throw new Error(
      `Could not start tesseract.js OCR (${String((error as Error).message ?? error)}) — reinstall the extension or run \`npm ci\` so tesseract.js and @tesseract.js-data/eng are present.`,
    );
  }
  return {
    recognize: async (image) => {
      try {
        return cleanOcrText((await worker.recognize(image)).data.text);
      } catch (error) {
        // tesseract.js rejects with a bare string such as "Error: Error attempting to read image."
        throw new Error(String(error instanceof Error ? error.message : error).replace(/^(Error:\s*)+/, ''));
      }
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}

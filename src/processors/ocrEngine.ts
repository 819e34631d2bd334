import path from 'node:path';
import { createWorker, OEM, PSM, type Worker } from 'tesseract.js';
import { cleanOcrText } from './ocrText';

export interface OcrEngine {
  /** Recognizes an encoded image (gray PGM, PNG, JPEG or WebP: prepareImage says which) and returns cleaned text. */
  recognize(image: Buffer): Promise<string>;
  terminate(): Promise<void>;
}

/**
 * Page segmentation: one uniform block of text (tesseract's library default, which tesseract.js keeps). The
 * tesseract command line defaults to automatic page layout analysis (3) instead; on the fixtures and rendered
 * screenshots both read every character, 6 skips finding columns and blocks, and the price is that text in
 * side-by-side columns is read across, line by line. bench/ocr.ts gives native tesseract the same mode.
 */
export const OCR_PAGE_SEG_MODE = PSM.SINGLE_BLOCK;

/** The languages ("eng+deu") and the folder their <lang>.traineddata is read from; `gzip` when the files there end in .gz. */
export interface LanguageData {
  langs: string;
  dir: string;
  gzip: boolean;
}

/*
 * Everything tesseract.js needs is resolved from disk at run time (tesseract.js stays outside the esbuild
 * bundle and ships in node_modules), so it never reaches for its CDN defaults: the worker script, the wasm core
 * it requires, and the English LSTM data from @tesseract.js-data/eng (best_int: the best model in integer form).
 */
export function tesseractPaths(): { workerPath: string; langPath: string } {
  return {
    workerPath: require.resolve('tesseract.js/src/worker-script/node/index.js'),
    langPath: path.dirname(require.resolve('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz')),
  };
}

/**
 * A warm tesseract.js worker: loaded once per worker process, reused for every image and frame. `data` swaps
 * the shipped model for another (the benchmark compares models on equal terms with native tesseract).
 */
export async function createOcrEngine(data: LanguageData = { langs: 'eng', dir: tesseractPaths().langPath, gzip: true }): Promise<OcrEngine> {
  const { workerPath } = tesseractPaths();
  let worker: Worker | undefined;
  try {
    // Without an errorHandler tesseract.js rethrows a failed job from its message handler, which would take the
    // whole process down; the job's own promise already carries the error.
    worker = await createWorker(data.langs, OEM.LSTM_ONLY, { workerPath, langPath: data.dir, gzip: data.gzip, cacheMethod: 'none', errorHandler: () => undefined });
    await worker.setParameters({ tessedit_pageseg_mode: OCR_PAGE_SEG_MODE });
  } catch (error) {
    await worker?.terminate().catch(() => undefined);
    throw new Error(
      `Could not start tesseract.js OCR (${error instanceof Error ? error.message : String(error)}) — reinstall the extension or run \`npm ci\` so tesseract.js and @tesseract.js-data/eng are present.`,
    );
  }
  const ready = worker;
  return {
    recognize: async (image) => {
      try {
        return cleanOcrText((await ready.recognize(image)).data.text);
      } catch (error) {
        // tesseract.js rejects with a bare string such as "Error: Error attempting to read image."
        throw new Error(String(error instanceof Error ? error.message : error).replace(/^(Error:\s*)+/, ''));
      }
    },
    terminate: async () => {
      await ready.terminate();
    },
  };
}

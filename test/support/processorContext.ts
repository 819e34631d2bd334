import type { CachedSummary } from '../../src/core/cacheKeys';
import { DEFAULT_CONTEXT_TOKENS } from '../../src/processors/promptBudget';
import { problem } from '../../src/core/problems';
import type { ExtractResult, Stage, Transcript } from '../../src/core/job';
import type { OllamaSettings } from '../../src/core/runSettings';
import { resolveFfmpeg } from '../../src/processors/media/ffmpeg';
import { transcribe } from '../../src/processors/whisper/transcribe';
import { testMediaSettings } from './mediaSettings';
import { testWhisperCli } from './whisperBuild';
import type { ProcessorContext } from '../../src/processors/context';
import { createOcrEngine, type OcrEngine } from '../../src/processors/ocrEngine';

let shared: Promise<OcrEngine> | undefined;

/** One real tesseract.js engine for a whole test file, like a warm worker. */
export function sharedOcrEngine(): Promise<OcrEngine> {
  return (shared ??= createOcrEngine());
}

export async function closeSharedOcrEngine(): Promise<void> {
  if (shared) await (await shared).terminate();
  shared = undefined;
}

export interface RecordingContext extends ProcessorContext {
  stages: Stage[];
  saved: { extract?: ExtractResult; vision?: string; summary?: CachedSummary; transcript?: Transcript };
}

/** A processor context with a real OCR engine that records the stages and what would be cached. */
export function recordingContext(ollama: Partial<OllamaSettings> = {}, signal = new AbortController().signal): RecordingContext {
  const stages: Stage[] = [];
  const saved: RecordingContext['saved'] = {};
  const settings: OllamaSettings = { api: 'ollama', host: 'http://127.0.0.1:59999', model: 'llama3.2:3b', requestTimeoutMs: 10_000, contextTokens: DEFAULT_CONTEXT_TOKENS, available: false, unavailableReason: problem('llm-off', 'Ollama is off in this test'), ...ollama };
  return {
    signal,
    ollama: settings,
    media: testMediaSettings(),
    ocr: sharedOcrEngine,
    ffmpeg: () => resolveFfmpeg(),
    transcribe: async (wavPath) => {
      const [{ cli }, modelPath] = [await testWhisperCli(), testMediaSettings().whisperModel];
      return transcribe({ cliPath: cli, modelPath, wavPath, threads: 2, signal });
    },
    saveTranscript: async (transcript) => void (saved.transcript = transcript),
    stage: (stage) => stages.push(stage),
    // No coordinator here: every LLM request goes at once.
    withLlmSlot: (_model, request) => request(settings.host),
    saveExtract: async (result) => void (saved.extract = result),
    saveVision: async (text) => void (saved.vision = text),
    saveSummary: async (summary) => void (saved.summary = summary),
    stages,
    saved,
  };
}

import type { CachedSummary } from '../core/cacheKeys';
import type { ExtractResult, Job, JobResult, Stage, Transcript } from '../core/job';
import type { MediaSettings, OllamaSettings } from '../core/runSettings';
import type { OcrEngine } from './ocrEngine';

/**
 * What a processor gets from its host (the worker): warm engines, settings, and a place to save each stage's
 * result the moment it exists, so a later crash or timeout loses nothing already computed.
 */
export interface ProcessorContext {
  signal: AbortSignal;
  ollama: OllamaSettings;
  media: MediaSettings;
  ocr(): Promise<OcrEngine>;
  /** The ffmpeg to run; rejects with what to install when there is none. */
  ffmpeg(): Promise<string>;
  /** Transcribes a 16 kHz mono WAV made by the processor in its private folder, reporting progress. */
  transcribe(wavPath: string): Promise<Transcript>;
  stage(stage: Stage): void;
  /**
   * Runs an LLM request for `model` once the coordinator grants it a slot at a host that has the model (the
   * request is given that host's URL); the wait does not count against its timeout.
   */
  withLlmSlot<T>(model: string, request: (host: string) => Promise<T>): Promise<T>;
  saveExtract(result: ExtractResult): Promise<void>;
  saveVision(text: string): Promise<void>;
  saveTranscript(transcript: Transcript): Promise<void>;
  /** `language`: the one the summary was asked in (summaryLanguage.ts), part of its key. */
  saveSummary(summary: CachedSummary, language: string): Promise<void>;
}

export type Processor = (job: Job, context: ProcessorContext) => Promise<JobResult>;

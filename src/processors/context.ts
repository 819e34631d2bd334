import type { CachedSummary } from '../core/cacheKeys';
import type { OllamaSettings } from '../core/protocol';
import type { ExtractResult, Job, JobResult, Stage } from '../core/protocol';
import type { OcrEngine } from './ocrEngine';

/**
 * What a processor gets from its host (the worker): warm engines, settings, and a place to save each stage's
 * result the moment it exists, so a later crash or timeout loses nothing already computed.
 */
export interface ProcessorContext {
  signal: AbortSignal;
  ollama: OllamaSettings;
  ocr(): Promise<OcrEngine>;
  stage(stage: Stage): void;
  saveExtract(result: ExtractResult): Promise<void>;
  saveVision(text: string): Promise<void>;
  saveSummary(summary: CachedSummary): Promise<void>;
}

export type Processor = (job: Job, context: ProcessorContext) => Promise<JobResult>;

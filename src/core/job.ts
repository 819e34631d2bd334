/**
 * A file's work as the coordinator hands it to a worker, the stages it goes through and what comes back.
 * Everything here crosses the process boundary as plain JSON.
 */
import type { MediaKind } from './mediaTypes';
import type { Problem } from './problems';
import type { FileRecord, MediaMetadata } from './records';

export interface Job {
  id: number;
  path: string;
  kind: MediaKind;
  /** The content hash and the stat it was taken with: a file that changes afterwards is not cached wrongly. */
  sha256: string;
  size: number;
  mtimeMs: number;
  cached: CachedStages;
}

/** Results of earlier runs that let a worker skip stages (e.g. OCR done, summary pending). */
export interface CachedStages {
  extract?: ExtractResult;
  vision?: string;
  transcript?: Transcript;
}

export interface ExtractResult {
  text: string;
  metadata: MediaMetadata;
  /** Set when the content itself cannot be read (corrupt, truncated): the same bytes fail the same way. */
  error?: string;
}

/** One stretch of speech with its time in the recording. */
export interface TranscriptSegment {
  startMs: number;
  endMs: number;
  text: string;
}

/** Speech as text; the segments keep their timestamps for later use, the summary prompt gets the text. */
export interface Transcript {
  /** The segments' text joined with spaces; '' for silence or no speech. */
  text: string;
  segments: TranscriptSegment[];
  /** The language whisper used or detected (e.g. "en"), when it reports one. */
  language?: string;
}

export type Stage = 'metadata' | 'frames' | 'ocr' | 'transcribe' | 'vision' | 'summary';

/**
 * What a worker returns for a job: the record's content; the coordinator adds path, kind, hash and `cached`, and
 * words the problem of a pending file (`error`) for its front end.
 */
export type JobResult = Omit<FileRecord, 'path' | 'kind' | 'cached' | 'sha256' | 'timings' | 'error'> & {
  timings: Record<string, number>;
  llmCalls: number;
  /** Why some of the file's results could not be saved to the cache (a full disk); the run warns once. */
  unsaved?: Problem;
  /**
   * The cache entries the worker saved for the file. The coordinator writes back any the log no longer holds
   * when the result arrives (another program emptied the log meanwhile), so nothing computed is lost.
   */
  saved?: Array<[key: string, value: unknown]>;
};
